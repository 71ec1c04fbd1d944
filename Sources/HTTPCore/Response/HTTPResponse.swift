// Responses as values: status, fields, body. JSON and problem-details helpers (RFC 9457).
import JSONCore

/// A response a handler returns. The connection adds the framing fields (`Content-Length`,
/// `Date`, `Connection`) when it writes it; a handler sets only what it means.
public struct HTTPResponse: Sendable, Equatable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `text/plain; charset=utf-8`.
    public static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    /// `application/json`, written by JSONCore (keys in the order given, byte-for-byte stable).
    public static func json(_ value: JSON, status: HTTPStatus = .ok, pretty: Bool = false) -> HTTPResponse {
        var body: [UInt8] = []
        value.write(into: &body, pretty: pretty)
        if pretty { body.append(UInt8(ascii: "\n")) }
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: body)
    }

    /// An `application/problem+json` error (RFC 9457 §3). `type` defaults to `about:blank`, in
    /// which case `title` should be the status's reason phrase (§4.2.1), which is the default.
    public static func problem(
        _ status: HTTPStatus, detail: String? = nil, title: String? = nil, type: String? = nil,
        extensions: [(String, JSON)] = []
    ) -> HTTPResponse {
        var members: [(String, JSON)] = [
            ("type", .string(type ?? "about:blank")),
            ("title", .string(title ?? status.reasonPhrase)),
            ("status", .int(Int64(status.code))),
        ]
        if let detail { members.append(("detail", .string(detail))) }
        members.append(contentsOf: extensions)
        var response = json(.object(members), status: status)
        response.headers["Content-Type"] = "application/problem+json"
        return response
    }

    /// Marks the body as the stable representation of this resource: a strong entity tag derived
    /// from the bytes (RFC 9110 §8.8.3), so a client's `If-None-Match` can be answered with 304.
    public func withETag() -> HTTPResponse {
        var copy = self
        copy.headers["ETag"] = ETag.strong(for: body)
        return copy
    }
}

/// An error a handler throws to answer with a problem document instead of a 500.
public struct HTTPProblem: Error, Equatable, Sendable {
    public var status: HTTPStatus
    public var detail: String?
    public var headers: HTTPHeaders

    public init(_ status: HTTPStatus, detail: String? = nil, headers: HTTPHeaders = [:]) {
        self.status = status
        self.detail = detail
        self.headers = headers
    }

    public var response: HTTPResponse {
        var r = HTTPResponse.problem(status, detail: detail)
        for field in headers { r.headers[field.name] = field.value }
        return r
    }
}
