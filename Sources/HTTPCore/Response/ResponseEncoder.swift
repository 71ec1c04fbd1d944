// From a handler's response to bytes on the wire: content coding (RFC 9110 §8.4, §12.5.3),
// conditional requests (§13.1.2), and the status line and framing fields (RFC 9112 §4, §6).

/// When a body is worth compressing.
public struct CompressionPolicy: Hashable, Sendable {
    public var enabled: Bool
    /// Smaller bodies are sent as they are: a gzip header and trailer cost 18 bytes, and below
    /// about a kilobyte the saving rarely pays for the CPU.
    public var minimumBytes: Int
    /// zlib level, 1 (fast) … 9 (small).
    public var level: Int32

    public init(enabled: Bool = true, minimumBytes: Int = 1024, level: Int32 = 6) {
        self.enabled = enabled
        self.minimumBytes = minimumBytes
        self.level = level
    }

    public static let disabled = CompressionPolicy(enabled: false)
}

public enum ResponseEncoder {
    // MARK: Negotiation and conditional requests (CPU work: done on a worker thread)

    /// Applies content negotiation and `If-None-Match` to a handler's response.
    ///
    /// 1. If the body is compressible and large, and the client accepts gzip, the gzip
    ///    representation is chosen; its entity tag is the identity tag with `-gzip` appended.
    /// 2. RFC 9110 §13.1.2: for GET and HEAD, when `If-None-Match` matches the chosen
    ///    representation's tag, the answer is 304 without a body (so nothing is compressed).
    public static func finalize(_ response: HTTPResponse, for request: HTTPRequestHead, compression: CompressionPolicy) -> HTTPResponse {
        var r = response
        let compressible = compression.enabled && r.status.code == 200 && !r.headers.contains("Content-Encoding")
            && isCompressible(contentType: r.headers["Content-Type"])
        if compressible && !r.headers.containsToken("Vary", "Accept-Encoding") {
            // RFC 9110 §12.5.5: the response depends on Accept-Encoding, whichever coding is chosen.
            r.headers.add("Vary", "Accept-Encoding")
        }
        let useGzip = compressible && r.body.count >= compression.minimumBytes && acceptsGzip(request.headers)
        let identityTag = r.headers["ETag"]
        if useGzip, let tag = identityTag {
            r.headers["ETag"] = ETag.variant(tag, suffix: "gzip")
        }

        if request.method == .get || request.method == .head, r.status.code == 200,
            let tag = r.headers["ETag"], let condition = request.headers["If-None-Match"],
            ETag.ifNoneMatchMatches(condition, current: tag)
        {
            return notModified(r)
        }

        if useGzip, let compressed = Gzip.compress(r.body, level: compression.level), compressed.count < r.body.count {
            r.body = compressed
            r.headers["Content-Encoding"] = "gzip"
        } else if useGzip, identityTag != nil {
            // Compression did not help: send the identity representation, with its own tag.
            r.headers["ETag"] = identityTag
        }
        return r
    }

    /// RFC 9110 §15.4.5: a 304 carries the fields a 200 would have had that describe the
    /// representation's validity (ETag, Cache-Control, Vary, Last-Modified…), and no content.
    static func notModified(_ r: HTTPResponse) -> HTTPResponse {
        var headers = HTTPHeaders()
        for field in r.headers {
            for keep in ["ETag", "Cache-Control", "Content-Location", "Date", "Expires", "Vary", "Last-Modified"]
            where asciiCaseInsensitiveEquals(field.name, keep) {
                headers.add(field.name, field.value)
            }
        }
        return HTTPResponse(status: .notModified, headers: headers)
    }

    /// RFC 9110 §12.5.3: gzip is acceptable if listed (or `x-gzip`, §8.4.1.3) with q > 0, or if
    /// `*` has q > 0 and gzip is not listed at all.
    public static func acceptsGzip(_ headers: HTTPHeaders) -> Bool {
        var star: Bool?
        for (coding, q) in headers.weightedMembers("Accept-Encoding") {
            if asciiCaseInsensitiveEquals(coding, "gzip") || asciiCaseInsensitiveEquals(coding, "x-gzip") {
                return q > 0
            }
            if coding == "*" { star = q > 0 }
        }
        return star ?? false
    }

    /// Text-like types, where gzip typically saves 60–90 %; images and archives are compressed already.
    public static func isCompressible(contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = contentType.split(separator: ";").first.map { $0.trimmingOWS().lowercased() } ?? ""
        return type.hasPrefix("text/") || type == "application/json" || type.hasSuffix("+json")
            || type == "application/javascript" || type == "application/xml" || type.hasSuffix("+xml")
            || type == "image/svg+xml" || type == "application/wasm"
    }

    // MARK: The head (cheap: done on the event loop)

    /// The status line and header section. Framing fields are the connection's: any
    /// `Content-Length`, `Transfer-Encoding`, `Connection` or `Date` the handler set is replaced.
    ///
    /// - `contentLength`: the body's length, also for HEAD (RFC 9110 §9.3.2: the same fields as
    ///   GET); nil where RFC 9110 §8.6 forbids the field (1xx, 204) or we choose not to send it
    ///   (304, §15.4.5).
    /// - `keepAlive`: false adds `Connection: close` (RFC 9112 §9.6); an HTTP/1.0 client that
    ///   asked for keep-alive is told `Connection: keep-alive` (RFC 9112 §9.3, Appendix C.2.2).
    public static func head(
        _ response: HTTPResponse, contentLength: Int?, keepAlive: Bool, requestVersion: HTTPVersion, date: String
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + response.headers.count * 40)
        // RFC 9110 §6.2: we answer with our own version, HTTP/1.1, to 1.0 and 1.1 alike.
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(response.status.code, to: &out)
        out.append(SP)
        appendSanitized(response.status.reasonPhrase, to: &out)
        out.append(contentsOf: "\r\nDate: ".utf8)
        out.append(contentsOf: date.utf8)
        out.append(contentsOf: "\r\n".utf8)
        for field in response.headers where isFieldSendable(field) {
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: field.value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        if let contentLength {
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(contentLength, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        if !keepAlive {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if requestVersion < .http1_1 {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        return out
    }

    /// `HTTP/1.1 100 Continue` (RFC 9110 §15.2.1), sent before reading an expected body.
    public static let continueHead: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// A field is written only if its name is a token and its value has no CR, LF or NUL: a
    /// value carrying CRLF would let whoever controls it write their own fields or responses
    /// (response splitting, RFC 9112 §11.1). Framing fields belong to the connection.
    static func isFieldSendable(_ field: HTTPField) -> Bool {
        if field.name.isEmpty || !field.name.utf8.allSatisfy(isTokenChar) { return false }
        if field.value.utf8.contains(where: { isControl($0) && $0 != HTAB }) { return false }
        for framing in ["Content-Length", "Transfer-Encoding", "Connection", "Date"]
        where asciiCaseInsensitiveEquals(field.name, framing) {
            return false
        }
        return true
    }

    static func appendSanitized(_ s: String, to out: inout [UInt8]) {
        for b in s.utf8 where !isControl(b) || b == HTAB { out.append(b) }
    }

    static func appendDecimal(_ n: Int, to out: inout [UInt8]) {
        out.append(contentsOf: String(n).utf8)  // a small string: no allocation
    }
}
