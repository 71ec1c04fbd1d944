import Testing
@testable import HTTPCore

/// A corpus of broken requests, each with the error it must produce and the status that error
/// answers. Each is fed whole and one byte at a time.
@Suite struct MalformedRequestTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var raw: [UInt8]
        var error: HTTPParseError
        var status: Int
        var limits = RequestParser.Limits()
        var testDescription: String { name }

        init(_ name: String, _ raw: String, _ error: HTTPParseError, _ status: Int, limits: RequestParser.Limits = .init()) {
            self.init(name, Array(raw.utf8), error, status, limits: limits)
        }

        init(_ name: String, _ raw: [UInt8], _ error: HTTPParseError, _ status: Int, limits: RequestParser.Limits = .init()) {
            self.name = name
            self.raw = raw
            self.error = error
            self.status = status
            self.limits = limits
        }
    }

    static let host = "Host: example\r\n"

    static let corpus: [Case] = [
        // Request line (RFC 9112 §3)
        Case("no target", "GET HTTP/1.1\r\n\(host)\r\n", .invalidRequestLine, 400),
        Case("one word", "GET\r\n\r\n", .invalidRequestLine, 400),
        Case("double space", "GET  / HTTP/1.1\r\n\(host)\r\n", .invalidTarget, 400),
        Case("method not a token", "GE(T / HTTP/1.1\r\n\(host)\r\n", .invalidMethod, 400),
        Case("target with fragment", "GET /a#b HTTP/1.1\r\n\(host)\r\n", .invalidTarget, 400),
        Case("target with bad escape", "GET /%zz HTTP/1.1\r\n\(host)\r\n", .invalidTarget, 400),
        Case("target with truncated escape", "GET /%4 HTTP/1.1\r\n\(host)\r\n", .invalidTarget, 400),
        Case("target with raw UTF-8", Array("GET /caf".utf8) + [0xC3, 0xA9] + Array(" HTTP/1.1\r\n\(host)\r\n".utf8), .invalidTarget, 400),
        Case("target in no form", "GET example.com HTTP/1.1\r\n\(host)\r\n", .invalidTarget, 400),
        Case("lowercase version", "GET / http/1.1\r\n\(host)\r\n", .invalidVersion, 400),
        Case("version without minor", "GET / HTTP/1\r\n\(host)\r\n", .invalidVersion, 400),
        Case("HTTP/2 over HTTP/1 framing", "GET / HTTP/2.0\r\n\(host)\r\n", .unsupportedVersion(major: 2), 505),
        Case("NUL in the request line", "GET /\u{0} HTTP/1.1\r\n\(host)\r\n", .invalidTarget, 400),
        // Fields (RFC 9112 §5, RFC 9110 §5)
        Case("obsolete line folding", "GET / HTTP/1.1\r\n\(host)X: a\r\n  b\r\n\r\n", .obsoleteLineFolding, 400),
        Case("space before colon", "GET / HTTP/1.1\r\nHost : example\r\n\r\n", .invalidFieldName, 400),
        Case("space in name", "GET / HTTP/1.1\r\n\(host)Bad Name: x\r\n\r\n", .invalidFieldName, 400),
        Case("no colon", "GET / HTTP/1.1\r\n\(host)NoColon\r\n\r\n", .invalidFieldName, 400),
        Case("empty name", "GET / HTTP/1.1\r\n\(host): x\r\n\r\n", .invalidFieldName, 400),
        Case("control character in value", "GET / HTTP/1.1\r\n\(host)X: a\u{1}b\r\n\r\n", .invalidFieldValue, 400),
        Case("NUL in value", "GET / HTTP/1.1\r\n\(host)X: a\u{0}b\r\n\r\n", .invalidFieldValue, 400),
        Case("DEL in value", "GET / HTTP/1.1\r\n\(host)X: a\u{7F}\r\n\r\n", .invalidFieldValue, 400),
        Case("bare CR", "GET / HTTP/1.1\r\n\(host)X: a\rb\r\n\r\n", .bareCarriageReturn, 400),
        Case("missing Host", "GET / HTTP/1.1\r\n\r\n", .invalidHost, 400),
        Case("two Hosts", "GET / HTTP/1.1\r\n\(host)\(host)\r\n", .invalidHost, 400),
        Case("two Hosts in HTTP/1.0", "GET / HTTP/1.0\r\n\(host)\(host)\r\n", .invalidHost, 400),
        Case("unknown expectation", "GET / HTTP/1.1\r\n\(host)Expect: 200-ok\r\n\r\n", .unsupportedExpectation, 417),
        // Framing (RFC 9112 §6)
        Case("Content-Length not a number", "POST / HTTP/1.1\r\n\(host)Content-Length: abc\r\n\r\n", .invalidContentLength, 400),
        Case("negative Content-Length", "POST / HTTP/1.1\r\n\(host)Content-Length: -1\r\n\r\n", .invalidContentLength, 400),
        Case("signed Content-Length", "POST / HTTP/1.1\r\n\(host)Content-Length: +1\r\n\r\n", .invalidContentLength, 400),
        Case("different Content-Lengths", "POST / HTTP/1.1\r\n\(host)Content-Length: 1\r\nContent-Length: 2\r\n\r\n", .invalidContentLength, 400),
        Case("Content-Length list that differs", "POST / HTTP/1.1\r\n\(host)Content-Length: 1, 2\r\n\r\n", .invalidContentLength, 400),
        Case("empty Content-Length", "POST / HTTP/1.1\r\n\(host)Content-Length: \r\n\r\n", .invalidContentLength, 400),
        Case("Content-Length overflow", "POST / HTTP/1.1\r\n\(host)Content-Length: 99999999999999999999999\r\n\r\n", .invalidContentLength, 400),
        Case("Content-Length over the limit", "POST / HTTP/1.1\r\n\(host)Content-Length: 1048577\r\n\r\n", .bodyTooLarge(limit: 1_048_576), 413),
        Case("both framings", "POST / HTTP/1.1\r\n\(host)Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", .contentLengthWithTransferEncoding, 400),
        Case("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .transferEncodingInHTTP10, 400),
        Case("gzip transfer coding", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferCoding("gzip"), 501),
        Case("unknown transfer coding", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: zstd\r\n\r\n", .unsupportedTransferCoding("zstd"), 501),
        Case("chunked twice", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, chunked\r\n\r\n", .chunkedNotFinal, 400),
        Case("empty Transfer-Encoding", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: ,\r\n\r\n", .chunkedNotFinal, 400),
        // Chunked (RFC 9112 §7.1)
        Case("chunk size not hex", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\nzz\r\n", .invalidChunkSize, 400),
        Case("chunk size missing", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n;ext\r\n", .invalidChunkSize, 400),
        Case("chunk size overflow", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", .invalidChunkSize, 400),
        Case("chunk longer than declared", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", .invalidChunkTerminator, 400),
        Case("garbage after chunk size", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n", .invalidChunkSize, 400),
        Case("chunks over the limit", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n800\r\n" + String(repeating: "a", count: 0x800) + "\r\n1\r\n", .bodyTooLarge(limit: 2048), 413, limits: .init(maxBodyBytes: 2048)),
        Case("chunk-size line too long", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "x", count: 5000) + "\r\n", .invalidChunkSize, 400),
        // Sizes (RFC 6585 §5)
        Case("too many fields", "GET / HTTP/1.1\r\n\(host)" + String(repeating: "X: y\r\n", count: 100) + "\r\n", .tooManyHeaders(limit: 100), 431),
        Case("one huge field", "GET / HTTP/1.1\r\n\(host)Cookie: " + String(repeating: "c", count: 17_000) + "\r\n\r\n", .headTooLarge(limit: 16_384), 431),
        Case("huge request line", "GET /" + String(repeating: "a", count: 17_000) + " HTTP/1.1\r\n\(host)\r\n", .headTooLarge(limit: 16_384), 431),
        Case("trailers too large", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\n" + String(repeating: "T: xxxxxxxxxxxxxxxxxxxxxx\r\n", count: 700) + "\r\n", .headTooLarge(limit: 16_384), 431),
    ]

    @Test(arguments: corpus)
    func malformedRequestIsRefusedWithItsStatus(_ c: Case) {
        expectError(c.raw, c.error, status: c.status, limits: c.limits)
    }

    @Test func everyErrorNamesItsRule() {
        for c in Self.corpus { #expect(!c.error.description.isEmpty) }
    }
}
