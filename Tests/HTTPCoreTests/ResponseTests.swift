import JSONCore
import Testing
@testable import HTTPCore

@Suite struct ResponseTests {
    let date = "Sun, 06 Nov 1994 08:49:37 GMT"

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func headCarriesStatusDateFieldsAndLength() {
        let r = HTTPResponse(status: .created, headers: ["Content-Type": "text/plain", "Location": "/runs/1"], body: Array("made".utf8))
        let bytes = ResponseEncoder.head(r, contentLength: 4, keepAlive: true, requestVersion: .http1_1, date: date)
        #expect(text(bytes) == "HTTP/1.1 201 Created\r\nDate: \(date)\r\nContent-Type: text/plain\r\nLocation: /runs/1\r\nContent-Length: 4\r\n\r\n")
    }

    @Test func closingResponseSaysSo() {
        let bytes = ResponseEncoder.head(HTTPResponse(), contentLength: 0, keepAlive: false, requestVersion: .http1_1, date: date)
        #expect(text(bytes).contains("\r\nConnection: close\r\n"))
    }

    @Test func keptAliveHTTP10ClientIsToldKeepAlive() {
        let bytes = ResponseEncoder.head(HTTPResponse(), contentLength: 0, keepAlive: true, requestVersion: .http1_0, date: date)
        #expect(text(bytes).contains("\r\nConnection: keep-alive\r\n"))
    }

    @Test func framingFieldsFromHandlersAreReplaced() {
        let r = HTTPResponse(headers: ["Content-Length": "999", "Transfer-Encoding": "chunked", "connection": "upgrade", "Date": "yesterday"])
        let head = text(ResponseEncoder.head(r, contentLength: 0, keepAlive: true, requestVersion: .http1_1, date: date))
        #expect(!head.contains("999") && !head.contains("chunked") && !head.contains("upgrade") && !head.contains("yesterday"))
        #expect(head.contains("Content-Length: 0\r\n"))
    }

    @Test func fieldValuesWithCRLFAreNeverWritten() {
        // RFC 9112 §11.1: response splitting.
        let r = HTTPResponse(headers: ["X-Name": "a\r\nSet-Cookie: evil=1", "Bad Name": "x", "X-Ok": "fine"])
        let head = text(ResponseEncoder.head(r, contentLength: 0, keepAlive: true, requestVersion: .http1_1, date: date))
        #expect(!head.contains("evil") && !head.contains("Bad Name"))
        #expect(head.contains("X-Ok: fine\r\n"))
    }

    @Test func problemDetailsFollowRFC9457() throws {
        let r = HTTPResponse.problem(.notFound, detail: "no run 7")
        #expect(r.status == .notFound)
        #expect(r.headers["Content-Type"] == "application/problem+json")
        let json = try JSON.parse(bytes: r.body)
        #expect(json["type"] == "about:blank")
        #expect(json["title"] == "Not Found")
        #expect(json["status"] == 404)
        #expect(json["detail"] == "no run 7")
    }

    @Test func jsonHelperWritesStableBytes() {
        let r = HTTPResponse.json(["b": 1, "a": [true, nil]])
        #expect(r.bodyText == #"{"b":1,"a":[true,null]}"#)
        #expect(r.headers["Content-Type"] == "application/json")
    }

    @Test func httpDateIsIMFFixdate() {
        // RFC 9110 §5.6.7's own example.
        #expect(HTTPDate.format(unixSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(unixSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(unixSeconds: 951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDate.format(unixSeconds: 4_102_444_799) == "Thu, 31 Dec 2099 23:59:59 GMT")
    }

    // MARK: gzip

    let large = Array(String(repeating: #"{"segment":{"seq":1,"ack":2,"flags":["ACK"]}},"#, count: 100).utf8)

    func request(_ headers: HTTPHeaders, method: HTTPMethod = .get) -> HTTPRequestHead {
        headOf(method, "/x", headers)
    }

    @Test func largeCompressibleBodyIsGzippedWhenAccepted() throws {
        let r = HTTPResponse(headers: ["Content-Type": "application/json"], body: large)
        let out = ResponseEncoder.finalize(r, for: request(["Host": "x", "Accept-Encoding": "br, gzip;q=0.5"]), compression: .init())
        #expect(out.headers["Content-Encoding"] == "gzip")
        #expect(out.headers["Vary"] == "Accept-Encoding")
        #expect(out.body.count < large.count / 5)
        #expect(Gzip.decompress(out.body) == large)
    }

    @Test func gzipIsNotUsedWhenRefusedSmallOrIncompressible() {
        let json = HTTPResponse(headers: ["Content-Type": "application/json"], body: large)
        let refused = ResponseEncoder.finalize(json, for: request(["Accept-Encoding": "gzip;q=0, *"]), compression: .init())
        #expect(refused.headers["Content-Encoding"] == nil)
        #expect(refused.headers["Vary"] == "Accept-Encoding")  // the choice still depended on it
        let absent = ResponseEncoder.finalize(json, for: request([:]), compression: .init())
        #expect(absent.body == large)
        let small = HTTPResponse(headers: ["Content-Type": "application/json"], body: Array("{}".utf8))
        #expect(ResponseEncoder.finalize(small, for: request(["Accept-Encoding": "gzip"]), compression: .init()).headers["Content-Encoding"] == nil)
        let png = HTTPResponse(headers: ["Content-Type": "image/png"], body: large)
        #expect(ResponseEncoder.finalize(png, for: request(["Accept-Encoding": "gzip"]), compression: .init()).body == large)
        #expect(ResponseEncoder.finalize(json, for: request(["Accept-Encoding": "gzip"]), compression: .disabled).body == large)
    }

    @Test func acceptEncodingFollowsQValues() {
        #expect(ResponseEncoder.acceptsGzip(["Accept-Encoding": "gzip, deflate, br"]))
        #expect(ResponseEncoder.acceptsGzip(["Accept-Encoding": "x-gzip"]))
        #expect(ResponseEncoder.acceptsGzip(["Accept-Encoding": "*"]))
        #expect(!ResponseEncoder.acceptsGzip(["Accept-Encoding": "gzip;q=0"]))
        #expect(!ResponseEncoder.acceptsGzip(["Accept-Encoding": "*;q=0"]))
        #expect(!ResponseEncoder.acceptsGzip(["Accept-Encoding": "identity"]))
        #expect(!ResponseEncoder.acceptsGzip([:]))
    }

    @Test func gzipRoundTripsThroughZlib() {
        let input = Array((0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 13) })
        let packed = Gzip.compress(input)
        #expect(packed.map { Array($0.prefix(2)) } == [0x1F, 0x8B])  // the gzip magic (RFC 1952 §2.3.1)
        #expect(packed.flatMap { Gzip.decompress($0) } == input)
        #expect(Gzip.compress([]).flatMap { Gzip.decompress($0) } == [])
        #expect(Gzip.decompress(Array("not gzip".utf8)) == nil)
    }

    // MARK: ETag and If-None-Match

    @Test func matchingIfNoneMatchAnswers304WithValidators() {
        let r = HTTPResponse(headers: ["Content-Type": "text/plain", "Cache-Control": "no-cache"], body: Array("hello".utf8)).withETag()
        let tag = r.headers["ETag"]!
        let out = ResponseEncoder.finalize(r, for: request(["If-None-Match": "\"other\", \(tag)"]), compression: .init())
        #expect(out.status == .notModified)
        #expect(out.body.isEmpty)
        #expect(out.headers["ETag"] == tag)
        #expect(out.headers["Cache-Control"] == "no-cache")
        #expect(out.headers["Content-Type"] == nil)
    }

    @Test func ifNoneMatchUsesWeakComparisonAndStar() {
        #expect(ETag.ifNoneMatchMatches("W/\"abc\"", current: "\"abc\""))
        #expect(ETag.ifNoneMatchMatches("*", current: "\"abc\""))
        #expect(ETag.ifNoneMatchMatches("\"a,b\", \"abc\"", current: "\"abc\""))  // commas inside tags
        #expect(!ETag.ifNoneMatchMatches("\"abd\"", current: "\"abc\""))
        #expect(ETag.tags(in: "\"a,b\" , W/\"c\"") == ["\"a,b\"", "W/\"c\""])
    }

    @Test func staleOrNonGetRequestsGetTheFullResponse() {
        let r = HTTPResponse(body: Array("hello".utf8)).withETag()
        let stale = ResponseEncoder.finalize(r, for: request(["If-None-Match": "\"old\""]), compression: .init())
        #expect(stale.status == .ok && stale.body == r.body)
        let post = ResponseEncoder.finalize(r, for: request(["If-None-Match": "*"], method: .post), compression: .init())
        #expect(post.status == .ok)
    }

    @Test func gzipRepresentationHasItsOwnTag() {
        let r = HTTPResponse(headers: ["Content-Type": "application/json"], body: large).withETag()
        let identityTag = r.headers["ETag"]!
        let gz = ResponseEncoder.finalize(r, for: request(["Accept-Encoding": "gzip"]), compression: .init())
        #expect(gz.headers["ETag"] == ETag.variant(identityTag, suffix: "gzip"))
        // The gzip tag validates a gzip request, not an identity one (RFC 9110 §8.8.3).
        let revalidated = ResponseEncoder.finalize(r, for: request(["Accept-Encoding": "gzip", "If-None-Match": gz.headers["ETag"]!]), compression: .init())
        #expect(revalidated.status == .notModified)
        let identity = ResponseEncoder.finalize(r, for: request(["If-None-Match": gz.headers["ETag"]!]), compression: .init())
        #expect(identity.status == .ok && identity.body == large)
    }

    @Test func strongTagsDifferForDifferentBodies() {
        #expect(ETag.strong(for: Array("a".utf8)) != ETag.strong(for: Array("b".utf8)))
        #expect(ETag.strong(for: Array("a".utf8)) == ETag.strong(for: Array("a".utf8)))
        #expect(ETag.strong(for: []).hasPrefix("\"0-"))
    }
}
