// The request line and header section (RFC 9112 §2.2, §3, §5) and the framing they imply (§6).

extension RequestParser {
    /// Parses the head once all of it has arrived; nil while it is incomplete.
    mutating func parseHead() throws(HTTPParseError) -> HTTPRequestHead? {
        // Find the empty line that ends the header section, resuming where the last call stopped.
        var headEnd: Int?
        var first = start
        var lineStart = start + headLineStart
        var i = start + scanned
        var skipped = 0
        buffer.withUnsafeBufferPointer { bytes in
            while i < bytes.count {
                if bytes[i] == LF {
                    let length = i - lineStart
                    if length == 0 || (length == 1 && bytes[lineStart] == CR) {
                        guard lineStart == first else {
                            headEnd = i + 1
                            return
                        }
                        // RFC 9112 §2.2: "a server that is expecting to receive and parse a
                        // request-line SHOULD ignore at least one empty line (CRLF) received prior
                        // to the request-line".
                        skipped += i + 1 - first
                        first = i + 1
                    }
                    lineStart = i + 1
                }
                i += 1
            }
        }
        start = first
        skippedBeforeHead += skipped
        let headBytes = (headEnd ?? buffer.count) - start + skippedBeforeHead
        // RFC 6585 §5 (431): the limit applies whether or not the head is complete, so a client
        // cannot make us buffer without bound by never sending the empty line.
        if headBytes > limits.maxHeadBytes { throw .headTooLarge(limit: limits.maxHeadBytes) }
        guard let end = headEnd else {
            scanned = i - start
            headLineStart = lineStart - start
            return nil
        }

        let head = try buffer.withUnsafeBufferPointer { bytes throws(HTTPParseError) in
            try Self.parseHeadLines(UnsafeBufferPointer(rebasing: bytes[start..<end]), limits: limits)
        }
        start = end
        scanned = 0
        headLineStart = 0
        skippedBeforeHead = 0

        switch head.framing {
        case .none, .contentLength(0): state = .endOfMessage
        case let .contentLength(n): state = .fixedBody(remaining: n)
        case .chunked: state = .chunkSize
        }
        return head
    }

    /// Parses a complete head: the request line, then one field per line, up to the empty line.
    static func parseHeadLines(_ bytes: UnsafeBufferPointer<UInt8>, limits: Limits) throws(HTTPParseError) -> HTTPRequestHead {
        var lines: [Range<Int>] = []
        var lineStart = 0
        for i in 0..<bytes.count where bytes[i] == LF {
            var end = i
            if end > lineStart && bytes[end - 1] == CR { end -= 1 }
            // RFC 9112 §2.2: a bare CR is invalid; we reject rather than guess.
            for j in lineStart..<end where bytes[j] == CR { throw .bareCarriageReturn }
            lines.append(lineStart..<end)
            lineStart = i + 1
        }
        lines.removeLast()  // the empty line ending the head
        guard let requestLine = lines.first else { throw .invalidRequestLine }
        let (method, target, version) = try parseRequestLine(UnsafeBufferPointer(rebasing: bytes[requestLine]))

        // RFC 9112 §5: field-line = field-name ":" OWS field-value OWS
        var headers = HTTPHeaders()
        if lines.count - 1 > limits.maxHeaderCount { throw .tooManyHeaders(limit: limits.maxHeaderCount) }
        for range in lines.dropFirst() {
            let line = UnsafeBufferPointer(rebasing: bytes[range])
            // RFC 9112 §5.2: obs-fold; a server MUST reject it (400) or unfold it. We reject.
            if line[0] == SP || line[0] == HTAB { throw .obsoleteLineFolding }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { throw .invalidFieldName }
            // RFC 9112 §5.1: no whitespace between name and colon; a name is a token.
            for b in line[..<colon] where !isTokenChar(b) { throw .invalidFieldName }
            var valueStart = colon + 1
            var valueEnd = line.count
            while valueStart < valueEnd, line[valueStart] == SP || line[valueStart] == HTAB { valueStart += 1 }
            while valueEnd > valueStart, line[valueEnd - 1] == SP || line[valueEnd - 1] == HTAB { valueEnd -= 1 }
            // RFC 9110 §5.5: field-vchar = VCHAR / obs-text, with SP and HTAB inside; no CTL.
            for b in line[valueStart..<valueEnd] where isControl(b) && b != HTAB { throw .invalidFieldValue }
            headers.add(
                String(decoding: UnsafeBufferPointer(rebasing: line[..<colon]), as: UTF8.self),
                String(decoding: UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd]), as: UTF8.self)
            )
        }

        let framing = try bodyFraming(headers, version: version, limits: limits)

        // RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any
        // HTTP/1.1 request message that lacks a Host header field and to any request message
        // that contains more than one Host header field line".
        let hosts = headers.values("Host").count
        if hosts > 1 || (hosts == 0 && version >= .http1_1) { throw .invalidHost }

        // RFC 9110 §10.1.1: 100-continue is the only expectation defined; an HTTP/1.0 request's
        // expectation MUST be ignored.
        var expectsContinue = false
        if version >= .http1_1 {
            for member in headers.listMembers("Expect") {
                guard asciiCaseInsensitiveEquals(member, "100-continue") else { throw .unsupportedExpectation }
                expectsContinue = true
            }
        }

        return HTTPRequestHead(
            method: method, target: target, version: version, headers: headers,
            framing: framing, expectsContinue: expectsContinue
        )
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
    static func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> (HTTPMethod, String, HTTPVersion) {
        guard let firstSpace = line.firstIndex(of: SP),
            let lastSpace = line.lastIndex(of: SP), lastSpace > firstSpace + 1
        else { throw .invalidRequestLine }

        let methodBytes = line[..<firstSpace]
        if methodBytes.isEmpty { throw .invalidRequestLine }
        for b in methodBytes where !isTokenChar(b) { throw .invalidMethod }
        let method = HTTPMethod(String(decoding: UnsafeBufferPointer(rebasing: methodBytes), as: UTF8.self))

        let targetBytes = UnsafeBufferPointer(rebasing: line[(firstSpace + 1)..<lastSpace])
        try validateTarget(targetBytes, method: method)
        let target = String(decoding: targetBytes, as: UTF8.self)

        let version = try parseVersion(UnsafeBufferPointer(rebasing: line[(lastSpace + 1)...]))
        return (method, target, version)
    }

    /// RFC 9112 §3.2: origin-form (`/path?query`), absolute-form (`http://host/path`),
    /// authority-form (CONNECT only) or asterisk-form (OPTIONS only). The bytes must be visible
    /// ASCII: no space, control, DEL, fragment (`#`) or raw non-ASCII, and `%` must start a
    /// pct-encoded octet (RFC 3986 §2.1).
    static func validateTarget(_ t: UnsafeBufferPointer<UInt8>, method: HTTPMethod) throws(HTTPParseError) {
        var i = 0
        while i < t.count {
            let b = t[i]
            if b <= SP || b >= 0x7F || b == UInt8(ascii: "#") { throw .invalidTarget }
            if b == UInt8(ascii: "%") {
                guard i + 2 < t.count, hexValue(t[i + 1]) != nil, hexValue(t[i + 2]) != nil else { throw .invalidTarget }
                i += 2
            }
            i += 1
        }
        if t.first == UInt8(ascii: "/") { return }
        if t.count == 1 && t[0] == UInt8(ascii: "*") {
            if method == .options { return }
            throw .invalidTarget
        }
        if method == .connect { return }
        // absolute-form: scheme "://" authority path-abempty [ "?" query ]
        let prefix = String(decoding: UnsafeBufferPointer(rebasing: t.prefix(8)), as: UTF8.self)
        if asciiCaseInsensitiveEquals(prefix.prefix(7), "http://") || asciiCaseInsensitiveEquals(prefix, "https://") { return }
        throw .invalidTarget
    }

    /// HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
    static func parseVersion(_ v: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        guard v.count == 8, v[0] == UInt8(ascii: "H"), v[1] == UInt8(ascii: "T"), v[2] == UInt8(ascii: "T"),
            v[3] == UInt8(ascii: "P"), v[4] == UInt8(ascii: "/"), v[6] == UInt8(ascii: "."),
            let major = decimalDigit(v[5]), let minor = decimalDigit(v[7])
        else { throw .invalidVersion }
        if major != 1 { throw .unsupportedVersion(major: major) }
        // RFC 9110 §6.2: a higher minor version is processed as the highest one we implement.
        return minor == 0 ? .http1_0 : .http1_1
    }

    /// The body's framing (RFC 9112 §6.1, §6.3).
    static func bodyFraming(_ headers: HTTPHeaders, version: HTTPVersion, limits: Limits) throws(HTTPParseError) -> BodyFraming {
        let hasContentLength = headers.contains("Content-Length")
        if headers.contains("Transfer-Encoding") {
            // §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
            if version < .http1_1 { throw .transferEncodingInHTTP10 }
            // §6.3 ¶3: both fields "ought to be handled as an error" (request smuggling).
            if hasContentLength { throw .contentLengthWithTransferEncoding }
            let codings = headers.listMembers("Transfer-Encoding")
            // §6.1: a coding we do not understand → 501. We understand only chunked.
            for coding in codings where !asciiCaseInsensitiveEquals(coding, "chunked") {
                throw .unsupportedTransferCoding(String(coding).lowercased())
            }
            // §6.3 ¶4: chunked must be final; §7: and must not be applied twice.
            if codings.count != 1 { throw .chunkedNotFinal }
            return .chunked
        }
        if hasContentLength {
            // §6.3 ¶5: several values (or a list) are acceptable only if they are all the same.
            var length: Int?
            for member in headers.listMembers("Content-Length") {
                guard let n = parseDecimal(member) else { throw .invalidContentLength }
                if let length, length != n { throw .invalidContentLength }
                length = n
            }
            guard let length else { throw .invalidContentLength }
            if length > limits.maxBodyBytes { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
            return .contentLength(length)
        }
        return .none
    }

    /// Content-Length = 1*DIGIT (RFC 9110 §8.6), without overflow.
    static func parseDecimal(_ s: Substring) -> Int? {
        var n = 0
        if s.isEmpty { return nil }
        for b in s.utf8 {
            guard let d = decimalDigit(b) else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            n = a
        }
        return n
    }

    @inline(__always)
    static func decimalDigit(_ b: UInt8) -> Int? {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") ? Int(b - UInt8(ascii: "0")) : nil
    }
}
