// Routes with path parameters; 404, 405 with Allow, HEAD and OPTIONS (RFC 9110 §9.3, §15.5.6).

/// A request handler. It runs on a worker thread, so it may take its time; it must not touch
/// the connection. Throwing `HTTPProblem` answers with that problem; any other error is a 500.
public typealias HTTPHandler = @Sendable (HTTPRequest) throws -> HTTPResponse

/// A route pattern: `/runs`, `/runs/:id`, `/files/*rest`.
///
/// - a literal segment matches itself (after percent-decoding the request's segment);
/// - `:name` matches any one non-empty segment and captures it, percent-decoded;
/// - `*name`, last only, matches the rest of the path (possibly empty) and captures it *still
///   percent-encoded*, so that its consumer decodes segment by segment and `%2F` cannot pass
///   for a separator.
public struct PathPattern: Hashable, Sendable, CustomStringConvertible {
    enum Segment: Hashable, Sendable {
        case literal(String)
        case parameter(String)
        case rest(String)
    }

    let segments: [Segment]
    public let description: String

    public init(_ pattern: String) {
        precondition(pattern.hasPrefix("/"), "a route pattern starts with /: \(pattern)")
        description = pattern
        let parts = pattern.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        segments = parts.enumerated().map { index, part in
            if part.hasPrefix(":") {
                precondition(part.count > 1, "a parameter needs a name: \(pattern)")
                return .parameter(String(part.dropFirst()))
            }
            if part.hasPrefix("*") {
                precondition(index == parts.count - 1, "*rest must be the last segment: \(pattern)")
                return .rest(String(part.dropFirst()))
            }
            return .literal(String(part))
        }
    }

    /// The captured parameters if `path` (percent-encoded, as received) matches.
    public func match(_ path: String) -> [String: String]? {
        guard path.hasPrefix("/") else { return nil }
        let raw = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        var parameters: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case let .rest(name):
                parameters[name] = raw[index...].joined(separator: "/")
                return parameters
            case let .literal(text):
                guard index < raw.count, PercentDecoding.decode(raw[index]) == text else { return nil }
            case let .parameter(name):
                guard index < raw.count, !raw[index].isEmpty, let value = PercentDecoding.decode(raw[index]) else { return nil }
                parameters[name] = value
            }
        }
        return raw.count == segments.count ? parameters : nil
    }

    /// Orders overlapping patterns: at the first segment where they differ, a literal beats a
    /// parameter, which beats the rest. `/runs/latest` wins over `/runs/:id`, which wins over `/*path`.
    func isMoreSpecific(than other: PathPattern) -> Bool {
        func rank(_ s: Segment) -> Int {
            switch s {
            case .literal: return 2
            case .parameter: return 1
            case .rest: return 0
            }
        }
        for (a, b) in zip(segments, other.segments) where rank(a) != rank(b) {
            return rank(a) > rank(b)
        }
        return segments.count > other.segments.count
    }
}

/// Maps method and path to a handler.
///
/// Dispatch, as Go's `ServeMux` does it: among the routes whose pattern matches the path, the
/// most specific one registered for the method handles the request. When patterns match but none
/// has the method, the answer is 405 with `Allow` (RFC 9110 §15.5.6: the field MUST be sent).
/// HEAD falls back to GET (the connection sends the fields without the body, §9.3.2); OPTIONS
/// without its own route answers 204 with `Allow` (§9.3.7).
public struct Router: Sendable {
    struct Route: Sendable {
        var method: HTTPMethod
        var pattern: PathPattern
        var handler: HTTPHandler
    }

    private var routes: [Route] = []

    public init() {}

    public mutating func on(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping HTTPHandler) {
        routes.append(Route(method: method, pattern: PathPattern(pattern), handler: handler))
    }

    public mutating func get(_ pattern: String, _ handler: @escaping HTTPHandler) { on(.get, pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: @escaping HTTPHandler) { on(.post, pattern, handler) }
    public mutating func put(_ pattern: String, _ handler: @escaping HTTPHandler) { on(.put, pattern, handler) }
    public mutating func patch(_ pattern: String, _ handler: @escaping HTTPHandler) { on(.patch, pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: @escaping HTTPHandler) { on(.delete, pattern, handler) }

    /// The outcome of looking a request up.
    public enum Match {
        case handler(HTTPHandler, parameters: [String: String])
        /// Patterns match but none for this method; `allow` lists the methods that would work.
        case methodNotAllowed(allow: [HTTPMethod])
        /// OPTIONS without an OPTIONS route: answer with `allow`.
        case options(allow: [HTTPMethod])
        case notFound
    }

    public func match(method: HTTPMethod, path: String) -> Match {
        // RFC 9110 §9.3.7: `OPTIONS *` asks about the server as a whole.
        if path == "*" {
            return method == .options ? .options(allow: allowed(routes.map(\.method))) : .notFound
        }
        var candidates: [(route: Route, parameters: [String: String])] = []
        for route in routes {
            if let parameters = route.pattern.match(path) { candidates.append((route, parameters)) }
        }
        if candidates.isEmpty { return .notFound }
        // Stable: among equally specific patterns, the first registered wins.
        let ordered = candidates.enumerated().sorted { a, b in
            if a.element.route.pattern.isMoreSpecific(than: b.element.route.pattern) { return true }
            if b.element.route.pattern.isMoreSpecific(than: a.element.route.pattern) { return false }
            return a.offset < b.offset
        }.map(\.element)

        if let hit = ordered.first(where: { $0.route.method == method }) {
            return .handler(hit.route.handler, parameters: hit.parameters)
        }
        if method == .head, let hit = ordered.first(where: { $0.route.method == .get }) {
            return .handler(hit.route.handler, parameters: hit.parameters)
        }
        let allow = allowed(ordered.map(\.route.method))
        return method == .options ? .options(allow: allow) : .methodNotAllowed(allow: allow)
    }

    /// Runs the matching handler, or answers 404 / 405 / OPTIONS itself.
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        switch match(method: request.method, path: request.path) {
        case let .handler(handler, parameters):
            var request = request
            request.parameters = parameters
            do {
                return try handler(request)
            } catch let problem as HTTPProblem {
                return problem.response
            } catch {
                // Details stay in the server: the client learns only that it was not its fault.
                return .problem(.internalServerError)
            }
        case let .methodNotAllowed(allow):
            var response = HTTPResponse.problem(.methodNotAllowed, detail: "\(request.method) is not supported here")
            response.headers["Allow"] = allow.map(\.rawValue).joined(separator: ", ")
            return response
        case let .options(allow):
            return HTTPResponse(status: .noContent, headers: ["Allow": allow.map(\.rawValue).joined(separator: ", ")])
        case .notFound:
            return .problem(.notFound, detail: "no resource at \(request.path)")
        }
    }

    /// Unique methods in order, with HEAD wherever GET is (§9.3.2) and OPTIONS always.
    private func allowed(_ methods: [HTTPMethod]) -> [HTTPMethod] {
        var result: [HTTPMethod] = []
        for m in methods + (methods.contains(.get) ? [.head] : []) + [.options] where !result.contains(m) {
            result.append(m)
        }
        return result
    }
}
