// The vocabulary of an HTTP/1.1 message: methods, versions, status codes, header fields.
// RFC 9110 (HTTP Semantics) §9 methods, §15 status codes, §5 fields; RFC 9112 §2.3 version.

/// A request method (RFC 9110 §9). Methods are case-sensitive tokens: `get` is not `GET`.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let get = HTTPMethod("GET")
    public static let head = HTTPMethod("HEAD")
    public static let post = HTTPMethod("POST")
    public static let put = HTTPMethod("PUT")
    public static let patch = HTTPMethod("PATCH")
    public static let delete = HTTPMethod("DELETE")
    public static let options = HTTPMethod("OPTIONS")
    public static let connect = HTTPMethod("CONNECT")
    public static let trace = HTTPMethod("TRACE")
}

/// `HTTP/major.minor` (RFC 9112 §2.3).
public struct HTTPVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public init(major: Int, minor: Int) { self.major = major; self.minor = minor }

    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    public var description: String { "HTTP/\(major).\(minor)" }
    public static func < (a: HTTPVersion, b: HTTPVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
}

/// A status code and its reason phrase (RFC 9110 §15).
public struct HTTPStatus: Hashable, Sendable, CustomStringConvertible {
    public var code: Int
    public var reasonPhrase: String
    public init(code: Int, reasonPhrase: String) { self.code = code; self.reasonPhrase = reasonPhrase }
    public init(code: Int) { self.init(code: code, reasonPhrase: HTTPStatus.standardReason(code)) }

    public var description: String { "\(code) \(reasonPhrase)" }

    /// RFC 9110 §6.4.1 / §8.6: 1xx, 204 and 304 responses never carry content.
    public var forbidsContent: Bool { code < 200 || code == 204 || code == 304 }

    public static let `continue` = HTTPStatus(code: 100)
    public static let ok = HTTPStatus(code: 200)
    public static let created = HTTPStatus(code: 201)
    public static let noContent = HTTPStatus(code: 204)
    public static let movedPermanently = HTTPStatus(code: 301)
    public static let notModified = HTTPStatus(code: 304)
    public static let badRequest = HTTPStatus(code: 400)
    public static let forbidden = HTTPStatus(code: 403)
    public static let notFound = HTTPStatus(code: 404)
    public static let methodNotAllowed = HTTPStatus(code: 405)
    public static let requestTimeout = HTTPStatus(code: 408)
    public static let contentTooLarge = HTTPStatus(code: 413)
    public static let uriTooLong = HTTPStatus(code: 414)
    public static let expectationFailed = HTTPStatus(code: 417)
    public static let requestHeaderFieldsTooLarge = HTTPStatus(code: 431)
    public static let internalServerError = HTTPStatus(code: 500)
    public static let notImplemented = HTTPStatus(code: 501)
    public static let serviceUnavailable = HTTPStatus(code: 503)
    public static let httpVersionNotSupported = HTTPStatus(code: 505)

    static func standardReason(_ code: Int) -> String {
        switch code {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 411: return "Length Required"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(code)"
        }
    }
}

/// One header field line, as received or as to be sent.
public struct HTTPField: Hashable, Sendable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

/// An ordered list of header fields. Names compare case-insensitively (RFC 9110 §5.1); order and
/// repetition are kept, because some fields may legally appear more than once.
public struct HTTPHeaders: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [HTTPField] = []

    public init() {}
    public init(_ pairs: [(String, String)]) { fields = pairs.map { HTTPField(name: $0.0, value: $0.1) } }
    public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    public func makeIterator() -> IndexingIterator<[HTTPField]> { fields.makeIterator() }
    public var count: Int { fields.count }

    /// The first value of the field, or nil.
    public subscript(name: String) -> String? {
        get { fields.first(where: { asciiCaseInsensitiveEquals($0.name, name) })?.value }
        set {
            remove(name)
            if let newValue { add(name, newValue) }
        }
    }

    /// Every value given for the field, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { asciiCaseInsensitiveEquals($0.name, name) }.map(\.value)
    }

    /// The field read as a comma-separated list (RFC 9110 §5.6.1): every line's members, trimmed,
    /// empty members dropped.
    public func listMembers(_ name: String) -> [Substring] {
        var members: [Substring] = []
        for value in values(name) {
            for part in value.split(separator: ",", omittingEmptySubsequences: true) {
                let trimmed = part.trimmingOWS()
                if !trimmed.isEmpty { members.append(trimmed) }
            }
        }
        return members
    }

    /// The members of a list field with their weights (RFC 9110 §12.4.2: `;q=` defaults to 1), in
    /// the order sent: `Accept-Encoding`, `Accept-Language`.
    public func weightedMembers(_ name: String) -> [(value: Substring, q: Double)] {
        listMembers(name).compactMap { member in
            let parts = member.split(separator: ";").map { $0.trimmingOWS() }
            guard let value = parts.first else { return nil }
            var q = 1.0
            for param in parts.dropFirst() {
                let kv = param.split(separator: "=", maxSplits: 1).map { $0.trimmingOWS() }
                if kv.count == 2, asciiCaseInsensitiveEquals(kv[0], "q") { q = Double(kv[1]) ?? 0 }
            }
            return (value, q)
        }
    }

    /// True when the list field contains `token`, compared case-insensitively (`Connection: close`).
    public func containsToken(_ name: String, _ token: String) -> Bool {
        listMembers(name).contains { asciiCaseInsensitiveEquals($0, token) }
    }

    public func contains(_ name: String) -> Bool { fields.contains { asciiCaseInsensitiveEquals($0.name, name) } }

    public mutating func add(_ name: String, _ value: String) { fields.append(HTTPField(name: name, value: value)) }

    public mutating func remove(_ name: String) { fields.removeAll { asciiCaseInsensitiveEquals($0.name, name) } }
}

/// ASCII case-insensitive comparison, the rule for field names, tokens and schemes.
@inlinable
public func asciiCaseInsensitiveEquals<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
    let x = a.utf8, y = b.utf8
    guard x.count == y.count else { return false }
    for (p, q) in zip(x, y) where p != q {
        // Only letters differ by case: fold 'A'...'Z' onto 'a'...'z'.
        let lp = (p >= 0x41 && p <= 0x5A) ? p | 0x20 : p
        let lq = (q >= 0x41 && q <= 0x5A) ? q | 0x20 : q
        if lp != lq { return false }
    }
    return true
}

extension StringProtocol {
    /// Drops optional whitespace (SP / HTAB, RFC 9110 §5.6.3) at both ends.
    public func trimmingOWS() -> Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
