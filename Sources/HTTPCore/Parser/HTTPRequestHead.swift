// A parsed request line and header section, with the framing and connection decisions that
// RFC 9112 derives from them.

/// How the body of a request is delimited (RFC 9112 §6.3).
public enum BodyFraming: Hashable, Sendable {
    /// No Content-Length and no Transfer-Encoding: a request has no body (RFC 9112 §6.3 ¶7).
    case none
    case contentLength(Int)
    case chunked
}

/// The request line and header section of one request.
public struct HTTPRequestHead: Hashable, Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as sent (RFC 9112 §3.2).
    public var target: String
    /// 1.0 or 1.1. A higher 1.x minor version is handled as 1.1 (RFC 9110 §6.2).
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var framing: BodyFraming
    /// The target's path, still percent-encoded: `/runs/42` (`*` for `OPTIONS *`; for the
    /// absolute-form `http://host/a?b` it is `/a`).
    public var path: String
    /// What follows the first `?`, without it; nil when there is no `?`.
    public var query: String?
    /// Whether the client allows the connection to stay open after this exchange (RFC 9112 §9.3).
    public var keepAlive: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request (RFC 9110 §10.1.1).
    public var expectsContinue: Bool

    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = [:],
        framing: BodyFraming = .none, keepAlive: Bool? = nil, expectsContinue: Bool = false
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.framing = framing
        (self.path, self.query) = HTTPRequestHead.splitTarget(target)
        self.keepAlive = keepAlive ?? HTTPRequestHead.defaultKeepAlive(version: version, headers: headers)
        self.expectsContinue = expectsContinue
    }

    /// RFC 9112 §9.3: HTTP/1.1 is persistent unless `Connection: close`; HTTP/1.0 only with
    /// `Connection: keep-alive`.
    static func defaultKeepAlive(version: HTTPVersion, headers: HTTPHeaders) -> Bool {
        if headers.containsToken("Connection", "close") { return false }
        if version >= .http1_1 { return true }
        return headers.containsToken("Connection", "keep-alive")
    }

    /// Path and query of a request-target in origin-, absolute- or asterisk-form (RFC 9112 §3.2).
    static func splitTarget(_ target: String) -> (path: String, query: String?) {
        var rest = Substring(target)
        // Absolute-form (§3.2.2): drop "scheme://authority". Origin-form, by far the most
        // common, starts with "/" and skips the search.
        if !rest.hasPrefix("/"), let schemeEnd = rest.utf8.firstRange(of: "://".utf8) {
            rest = rest[schemeEnd.upperBound...]
            if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = rest[slash...]
            } else {
                rest = ""
            }
            if !rest.hasPrefix("/") { rest = "/" + rest }
        }
        if let q = rest.utf8.firstIndex(of: UInt8(ascii: "?")) {
            return (String(rest[..<q]), String(rest[rest.index(after: q)...]))
        }
        return (String(rest), nil)
    }
}
