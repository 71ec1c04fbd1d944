import Testing
@testable import HTTPCore

@Suite struct RequestParserTests {
    func getHead(_ target: String = "/", _ headers: HTTPHeaders = ["Host": "example"], version: HTTPVersion = .http1_1, framing: BodyFraming = .none) -> RequestParser.Event {
        .head(HTTPRequestHead(method: .get, target: target, version: version, headers: headers, framing: framing))
    }

    @Test func simpleGetIsAHeadThenEnd() {
        expectEvents("GET /runs?id=4 HTTP/1.1\r\nHost: example\r\n\r\n", [getHead("/runs?id=4"), .end])
    }

    @Test func headFieldsAreParsed() throws {
        let h = try #require(head("GET /a/b%20c?x=1&y HTTP/1.1\r\nHost: example\r\nAccept:  text/html \t\r\nX-Two: 1\r\nx-two: 2\r\n\r\n"))
        #expect(h.method == .get)
        #expect(h.path == "/a/b%20c")
        #expect(h.query == "x=1&y")
        #expect(h.version == .http1_1)
        #expect(h.headers["accept"] == "text/html")  // OWS trimmed, name case-insensitive
        #expect(h.headers.values("X-Two") == ["1", "2"])
        #expect(h.keepAlive)
        #expect(!h.expectsContinue)
    }

    @Test func contentLengthBody() {
        expectEvents(
            "POST /echo HTTP/1.1\r\nHost: example\r\nContent-Length: 11\r\n\r\nhello world",
            [.head(headOf(.post, "/echo", ["Host": "example", "Content-Length": "11"], framing: .contentLength(11))),
             .body(Array("hello world".utf8)), .end]
        )
    }

    @Test func zeroContentLengthHasNoBodyEvent() {
        expectEvents(
            "POST /x HTTP/1.1\r\nHost: example\r\nContent-Length: 0\r\n\r\n",
            [.head(headOf(.post, "/x", ["Host": "example", "Content-Length": "0"], framing: .contentLength(0))), .end]
        )
    }

    @Test func identicalContentLengthsAreOneLength() {
        // RFC 9112 §6.3 ¶5: a list of identical values is acceptable.
        let h = head("POST /x HTTP/1.1\r\nHost: e\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc")
        #expect(h?.framing == .contentLength(3))
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() {
        let raw = "POST /u HTTP/1.1\r\nHost: example\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n" + "6 ; x\r\n world\r\n" + "A\r\n and more!\r\n" + "0\r\nTrailer-Field: t\r\n\r\n"
        expectEvents(raw, [
            .head(headOf(.post, "/u", ["Host": "example", "Transfer-Encoding": "chunked"], framing: .chunked)),
            .body(Array("hello world and more!".utf8)), .end,
        ])
    }

    @Test func chunkedTransferCodingIsCaseInsensitive() {
        #expect(head("POST /u HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n")?.framing == .chunked)
    }

    @Test func pipelinedRequestsComeOutInOrder() {
        let raw = "GET /1 HTTP/1.1\r\nHost: example\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: example\r\nContent-Length: 2\r\n\r\nok"
            + "GET /3 HTTP/1.1\r\nHost: example\r\n\r\n"
        expectEvents(raw, [
            getHead("/1"), .end,
            .head(headOf(.post, "/2", ["Host": "example", "Content-Length": "2"], framing: .contentLength(2))), .body(Array("ok".utf8)), .end,
            getHead("/3"), .end,
        ])
    }

    @Test func emptyLinesBeforeTheRequestLineAreIgnored() {
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before a request-line.
        expectEvents("\r\n\r\n\nGET / HTTP/1.1\r\nHost: example\r\n\r\n", [getHead(), .end])
    }

    @Test func bareLFLineEndingsAreAccepted() {
        expectEvents("GET / HTTP/1.1\nHost: example\n\n", [getHead(), .end])
    }

    @Test func http10DefaultsToClose() throws {
        let plain = try #require(head("GET / HTTP/1.0\r\n\r\n"))
        #expect(plain.version == .http1_0)
        #expect(!plain.keepAlive)
        let kept = try #require(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"))
        #expect(kept.keepAlive)
    }

    @Test func connectionCloseEndsPersistence() {
        #expect(head("GET / HTTP/1.1\r\nHost: e\r\nConnection: foo, close\r\n\r\n")?.keepAlive == false)
    }

    @Test func higherMinorVersionIsHandledAsHTTP11() {
        #expect(head("GET / HTTP/1.7\r\nHost: e\r\n\r\n")?.version == .http1_1)
    }

    @Test func absoluteFormTargetYieldsItsPath() throws {
        let h = try #require(head("GET http://example.com:8080/a/b?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        #expect(h.path == "/a/b")
        #expect(h.query == "q=1")
        #expect(head("GET HTTPS://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n")?.path == "/")
    }

    @Test func asteriskFormOnlyForOptions() {
        #expect(head("OPTIONS * HTTP/1.1\r\nHost: e\r\n\r\n")?.path == "*")
        expectError("GET * HTTP/1.1\r\nHost: e\r\n\r\n", .invalidTarget, status: 400)
    }

    @Test func expectContinueIsReported() {
        #expect(head("PUT /f HTTP/1.1\r\nHost: e\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n")?.expectsContinue == true)
        // RFC 9110 §10.1.1: ignored in an HTTP/1.0 request.
        #expect(head("PUT /f HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")?.expectsContinue == false)
    }

    @Test func headAtTheLimitIsAcceptedAndOneByteMoreIsNot() {
        let prefix = "GET / HTTP/1.1\r\nHost: e\r\nX: "
        let fill = 200 - prefix.utf8.count - 4
        let exact = prefix + String(repeating: "a", count: fill) + "\r\n\r\n"
        #expect(exact.utf8.count == 200)
        let limits = RequestParser.Limits(maxHeadBytes: 200)
        #expect(parse(Array(exact.utf8), .whole, limits: limits).error == nil)
        let over = prefix + String(repeating: "a", count: fill + 1) + "\r\n\r\n"
        expectError(over, .headTooLarge(limit: 200), status: 431, limits: limits)
    }

    @Test func anUnendingHeadIsRefusedBeforeItEnds() {
        // No empty line ever comes: the limit must still apply to what is buffered.
        let raw = "GET / HTTP/1.1\r\nHost: e\r\nX: " + String(repeating: "a", count: 20_000)
        expectError(raw, .headTooLarge(limit: 16_384), status: 431)
    }

    @Test func endlessEmptyLinesCountAgainstTheHeadLimit() {
        expectError(String(repeating: "\r\n", count: 9000), .headTooLarge(limit: 16_384), status: 431)
    }

    @Test func errorsAreSticky() {
        var parser = RequestParser()
        parser.receive(Array("GET / HTTP/1.1\r\n Host: e\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.obsoleteLineFolding) { try parser.nextEvent() }
        parser.receive(Array("GET / HTTP/1.1\r\nHost: e\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.obsoleteLineFolding) { try parser.nextEvent() }
    }

    @Test func consumedInputFreesTheBuffer() throws {
        var parser = RequestParser()
        parser.receive(Array("GET / HTTP/1.1\r\nHost: e\r\n\r\n".utf8))
        _ = try parser.nextEvent()
        #expect(try parser.nextEvent() == .end)
        #expect(parser.bufferedByteCount == 0)
        #expect(parser.isIdle)
        #expect(parser.buffer.capacity == 0)
    }

    @Test func byteByByteFeedingOfALargeHeadStaysLinear() {
        // 16 KiB one byte at a time: quadratic rescanning would take seconds here.
        let raw = "GET / HTTP/1.1\r\nHost: e\r\n" + String(repeating: "X-Filler: 0123456789abcdef\r\n", count: 500).prefix(15_000) + "\r\n\r\n"
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            let outcome = parse(Array(raw.utf8), .byteByByte, limits: .init(maxHeaderCount: 1000))
            #expect(outcome.error == nil && outcome.events.count == 2)
        }
        #expect(elapsed < .seconds(2))
    }
}
