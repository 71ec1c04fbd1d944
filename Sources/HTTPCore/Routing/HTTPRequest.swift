// A complete request as a handler sees it: head, body, and the path parameters a route captured.
import JSONCore

public struct HTTPRequest: Sendable, Equatable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    /// Values captured by `:name` and `*name` segments of the matched route, percent-decoded.
    public var parameters: [String: String]
    /// The client's address without its port (`127.0.0.1`, `::1`), set by the server from the
    /// connection's peer; nil for requests built in tests. Used for per-client rate limits.
    public var clientAddress: String?

    public init(head: HTTPRequestHead, body: [UInt8] = [], parameters: [String: String] = [:], clientAddress: String? = nil) {
        self.head = head
        self.body = body
        self.parameters = parameters
        self.clientAddress = clientAddress
    }

    public var method: HTTPMethod { head.method }
    public var path: String { head.path }
    public var headers: HTTPHeaders { head.headers }

    /// The query's `name=value` pairs, percent-decoded, `+` read as a space
    /// (application/x-www-form-urlencoded, as browsers write queries).
    public var queryItems: [(name: String, value: String)] {
        guard let query = head.query else { return [] }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in
                PercentDecoding.decode(s.replacingPlusWithSpace()) ?? String(s)
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The first value of a query parameter.
    public func query(_ name: String) -> String? { queryItems.first { $0.name == name }?.value }

    /// The body parsed as JSON; a client error (400 problem) if it is not.
    public func json(maxDepth: Int = 64) throws(HTTPProblem) -> JSON {
        do {
            return try JSON.parse(bytes: body, maxDepth: maxDepth)
        } catch {
            throw HTTPProblem(.badRequest, detail: "the body is not valid JSON: \(error.description)")
        }
    }
}

/// RFC 3986 §2.1 percent-decoding.
public enum PercentDecoding {
    /// Decodes `%HH` escapes; nil if an escape is malformed or the result is not UTF-8.
    public static func decode<S: StringProtocol>(_ s: S) -> String? {
        guard s.utf8.contains(UInt8(ascii: "%")) else { return String(s) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        while let b = it.next() {
            if b == UInt8(ascii: "%") {
                guard let h = it.next().flatMap(hexValue), let l = it.next().flatMap(hexValue) else { return nil }
                bytes.append(UInt8(h << 4 | l))
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension Substring {
    fileprivate func replacingPlusWithSpace() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "+" ? " " : $0 }))
    }
}
