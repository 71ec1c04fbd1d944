// The REST API: runs as resources, the catalogue, and the OpenAPI document. Handlers are
// synchronous and run on the server's worker pool; each takes a database connection from a small
// pool (SQLite connections are not shared between threads).
import HTTPCore
import JSONCore
import Store
import TCPSim
import TraceFormats

public struct APIConfiguration: Sendable {
    public var runLimits = RunLimits()
    /// POST /api/runs per client address: a burst, then so many per minute.
    public var rateLimitBurst: Double = 10
    public var rateLimitPerMinute: Double = 30
    /// Deletes any run (`Authorization: Bearer <token>`); nil: only a run's own delete token works.
    public var adminToken: String?
    public init() {}
}

/// SQLite connections, one per concurrent handler, opened on demand and reused.
final class DatabasePool: @unchecked Sendable {
    // Sendable: a connection is used by one thread at a time (taken from and returned to `idle`).
    let path: String
    private let idle = Locked<[Database]>([])
    /// One writer at a time among this pool's connections, without SQLite's sleeping busy handler.
    private let gate = WriteGate()

    init(path: String) { self.path = path }

    func with<R>(_ body: (RunRepository) throws -> R) throws -> R {
        let db = try idle.withLock { $0.popLast() } ?? {
            let db = try Database(path: path)
            db.writeGate = gate
            return db
        }()
        defer { idle.withLock { $0.append(db) } }
        return try body(RunRepository(db: db))
    }
}

public final class API: Sendable {
    let pool: DatabasePool
    let configuration: APIConfiguration
    let limiter: Locked<RateLimiter>
    /// Recent results by normalized scenario (see `BoundedCache`).
    let results = Locked(BoundedCache<CachedResult>())
    /// Trace bytes by entity tag (a deleted run is still refused: its id no longer leads to a tag).
    let traceBytes = Locked(BoundedCache<[UInt8]>())
    /// Trace tags by run id (see TagCache).
    let tagCache = Locked(TagCache())
    /// Migrations applied when this server started (empty when the schema was current).
    public let appliedMigrations: [Int]

    /// Opens (or creates) the database at `databasePath` and brings its schema up to date.
    public init(databasePath: String, configuration: APIConfiguration = APIConfiguration()) throws {
        let db = try Database(path: databasePath)
        appliedMigrations = try Migrator.migrate(db, now: SystemClock.rfc3339())
        pool = DatabasePool(path: databasePath)
        self.configuration = configuration
        limiter = Locked(RateLimiter(burst: configuration.rateLimitBurst, perMinute: configuration.rateLimitPerMinute))
    }

    /// Adds the API's routes to `router`.
    public func install(on router: inout Router) {
        router.get("/api/scenarios") { [self] in try scenarios($0) }
        router.get("/api/scenarios/:id") { [self] in try scenario($0) }
        router.post("/api/runs") { [self] in try createRun($0) }
        router.get("/api/runs") { [self] in try listRuns($0) }
        router.get("/api/runs/:id") { [self] in try run($0) }
        router.delete("/api/runs/:id") { [self] in try deleteRun($0) }
        router.get("/api/runs/:id/trace") { [self] in try trace($0) }
        router.get("/api/runs/:id/trace.txt") { [self] in try traceText($0) }
        router.get("/api/runs/:id/trace.pcap") { [self] in try tracePcap($0) }
        router.get("/api/runs/:id/sockets") { [self] in try sockets($0) }
        router.get("/openapi.json") { _ in HTTPResponse.json(OpenAPIDocument.document).withETag() }
    }

    /// For GET /health: the database file, its schema version and whether a query answers.
    public func databaseStatus() -> JSON {
        let version = try? database { repo in try repo.db.prepare("SELECT MAX(id) FROM schema_migrations").rows().first?.first?.int }
        return .object([
            ("path", .string(pool.path)),
            ("schemaVersion", version.flatMap { $0 }.map(JSON.int) ?? .null),
            ("ok", .bool(version != nil)),
        ])
    }

    // MARK: - The catalogue

    /// `?lang=zh|en`, else the best of `Accept-Language` (RFC 9110 §12.5.4, q-values), else English.
    static func language(_ request: HTTPRequest) -> String {
        if let l = request.query("lang") { return l.lowercased().hasPrefix("zh") ? "zh" : "en" }
        var best = (lang: "en", q: 0.0)
        for (range, q) in request.headers.weightedMembers("Accept-Language") {
            let tag = range.lowercased()
            guard let lang = tag.hasPrefix("zh") ? "zh" : tag.hasPrefix("en") || tag == "*" ? "en" : nil else { continue }
            // Strictly greater: among equal weights the first listed wins (the client's order).
            if q > best.q { best = (lang, q) }
        }
        return best.lang
    }

    static func localized(_ l: Localized, _ lang: String) -> JSON { .string(lang == "zh" ? l.zh : l.en) }

    static func entryJSON(_ e: CatalogueEntry, _ lang: String, full: Bool) -> JSON {
        var m: [(String, JSON)] = [
            ("id", .string(e.id)),
            ("title", localized(e.title, lang)),
            ("claim", localized(e.claim, lang)),
        ]
        if full { m.append(("description", localized(e.description, lang))) }
        m.append(("params", .array(e.params.map { p in
            .object([("name", .string(p.name)), ("kind", .string(p.kindName)), ("default", .string(p.defaultValue)),
                     ("description", localized(p.description, lang))])
        })))
        if full {
            if let t = e.suggestedSocketsAt { m.append(("suggestedSocketsAt", .double(Double(t.us) / 1e6))) }
            m.append(("scenario", (try? e.scenario())?.json ?? .null))
        }
        m.append(("links", .object([("self", .string("/api/scenarios/\(e.id)"))])))
        return .object(m)
    }

    static func languageResponse(_ body: JSON, _ lang: String) -> HTTPResponse {
        var r = HTTPResponse.json(body).withETag()
        r.headers["Content-Language"] = lang == "zh" ? "zh-CN" : "en"
        r.headers["Vary"] = "Accept-Language"
        return r
    }

    func scenarios(_ request: HTTPRequest) throws -> HTTPResponse {
        let lang = Self.language(request)
        return Self.languageResponse(.object([("lang", .string(lang)), ("scenarios", .array(Catalogue.all.map { Self.entryJSON($0, lang, full: false) }))]), lang)
    }

    func scenario(_ request: HTTPRequest) throws -> HTTPResponse {
        let id = request.parameters["id"] ?? ""
        guard let entry = Catalogue.entry(id) else {
            throw HTTPProblem(.notFound, detail: Catalogue.unknown(id).errors[0].message)
        }
        let lang = Self.language(request)
        return Self.languageResponse(Self.entryJSON(entry, lang, full: true), lang)
    }

    // MARK: - Runs

    static func runJSON(_ r: StoredRun, deleteToken: String? = nil) -> JSON {
        let base = "/api/runs/\(r.id)"
        var m: [(String, JSON)] = [
            ("id", .string(r.id)),
            ("scenario", r.scenarioId.map(JSON.string) ?? .null),
            ("name", .string(r.name)),
            ("seed", .int(r.seed)),
            ("createdAt", .string(r.createdAt)),
            ("summary", (try? JSON.parse(r.summary)) ?? .null),
        ]
        if let deleteToken { m.append(("deleteToken", .string(deleteToken))) }
        m.append(("links", .object([
            ("self", .string(base)), ("trace", .string(base + "/trace")), ("text", .string(base + "/trace.txt")),
            ("pcap", .string(base + "/trace.pcap")), ("sockets", .string(base + "/sockets?at=0")),
            ("viewer", .string("/#run=\(r.id)")),
        ])))
        return .object(m)
    }

    static func invalid(_ errors: [ScenarioError]) -> HTTPResponse {
        let first = errors.first.map(\.description) ?? "invalid scenario"
        let more = errors.count > 1 ? " (and \(errors.count - 1) more)" : ""
        return .problem(HTTPStatus(code: 422), detail: first + more, extensions: [
            ("errors", .array(errors.map { .object([("path", .string($0.path)), ("message", .string($0.message))]) })),
        ])
    }

    /// Runs `body` on a pooled connection; a database failure becomes a 503 (busy) or 500 problem,
    /// a problem the body throws goes through as it is.
    func database<R>(_ body: (RunRepository) throws -> R) throws -> R {
        do {
            return try pool.with(body)
        } catch let problem as HTTPProblem {
            throw problem
        } catch {
            throw Self.databaseProblem(error)
        }
    }

    static func databaseProblem(_ error: Error) -> HTTPProblem {
        if let e = error as? DatabaseError, e.primaryCode == 5 || e.primaryCode == 6 {   // SQLITE_BUSY, SQLITE_LOCKED
            return HTTPProblem(.serviceUnavailable, detail: "the database is busy; try again", headers: ["Retry-After": "1"])
        }
        return HTTPProblem(.internalServerError, detail: "the database failed: \(error)")
    }

    func createRun(_ request: HTTPRequest) throws -> HTTPResponse {
        if let wait = limiter.withLock({ $0.take(client: request.clientAddress ?? "local", now: SystemClock.monotonic()) }) {
            let seconds = Int(wait.rounded(.up))
            throw HTTPProblem(HTTPStatus(code: 429), detail: "too many runs from \(request.clientAddress ?? "this client"): \(Int(configuration.rateLimitBurst)) at once, then \(Int(configuration.rateLimitPerMinute)) a minute; retry in \(seconds) s",
                              headers: ["Retry-After": String(seconds)])
        }
        if request.headers["Content-Type"].map(PacketdrillRuns.isScript) == true {
            return try createPacketdrillRun(request)
        }
        let body = try request.json()
        let runRequest: RunRequest
        do {
            runRequest = try RunRequestParser.parse(body)
        } catch {
            return Self.refusal(error)
        }
        let scenarioJSON = runRequest.scenario.json.serialized()
        let result: CachedResult
        do {
            result = try self.result(for: scenarioJSON) {
                let trace: Trace
                do throws(RunRefusal) { trace = try BoundedRun.run(runRequest.scenario, limits: configuration.runLimits) } catch { throw Refusal(response: Self.refusal(error)) }
                return (trace, TraceJSON.summary(trace))
            }
        } catch let refusal as Refusal {
            return refusal.response
        }
        return try store(bytes: result.bytes, summaryJSON: result.summaryJSON, catalogueId: runRequest.catalogueId,
                         name: runRequest.scenario.name, seed: runRequest.scenario.seed, scenarioJSON: scenarioJSON)
    }

    /// A POST that becomes no run: the answer to send instead.
    struct Refusal: Error { var response: HTTPResponse }

    /// A run's stored form: from the results cache, or `simulate`'s trace serialized with its summary,
    /// bounded in size, and cached (the simulator is deterministic: the key decides the bytes).
    func result(for key: String, simulate: () throws -> (Trace, JSON)) throws -> CachedResult {
        if let hit = results.withLock({ $0.get(key) }) { return hit }
        let (trace, summary) = try simulate()
        let bytes = TraceJSON.bytes(trace, summary: summary)
        guard bytes.count <= configuration.runLimits.maxTraceBytes else {
            throw Refusal(response: .problem(HTTPStatus(code: 422), detail: "the trace would take \(bytes.count) bytes, over the server's bound of \(configuration.runLimits.maxTraceBytes); shorten the run or use the command line (tcplab run, tcplab packetdrill)",
                                             title: "Run Over Its Bounds"))
        }
        let result = CachedResult(bytes: bytes, summaryJSON: summary.serialized())
        results.withLock { $0.put(key, result, cost: bytes.count) }
        return result
    }

    /// Stores a simulated run and answers 201 with its summary, links and delete token.
    func store(bytes: [UInt8], summaryJSON: String, catalogueId: String?, name: String, seed: UInt64,
               scenarioJSON: String) throws -> HTTPResponse {
        let id = Tokens.random(16)
        let token = Tokens.random(32)
        let stored = try database { repo in
            try repo.insert(id: id, scenarioId: catalogueId, name: name, seed: seed,
                            createdAt: SystemClock.rfc3339(), summaryJSON: summaryJSON,
                            trace: bytes, deleteTokenHash: Tokens.hash(token), scenarioJSON: scenarioJSON)
        }
        var response = HTTPResponse.json(Self.runJSON(stored, deleteToken: token), status: .created)
        response.headers["Location"] = "/api/runs/\(id)"
        return response
    }

    static func refusal(_ error: RunRefusal) -> HTTPResponse {
        switch error {
        case let .invalid(errors): return invalid(errors)
        case let .overBounds(message): return .problem(HTTPStatus(code: 422), detail: message, title: "Run Over Its Bounds")
        }
    }

    func storedRun(_ request: HTTPRequest) throws -> StoredRun {
        let id = request.parameters["id"] ?? ""
        guard let found = try database({ try $0.get(id) }) else { throw HTTPProblem(.notFound, detail: "no run \"\(id)\"") }
        return found
    }

    func run(_ request: HTTPRequest) throws -> HTTPResponse {
        .json(Self.runJSON(try storedRun(request)))
    }

    func listRuns(_ request: HTTPRequest) throws -> HTTPResponse {
        var limit = 20
        if let l = request.query("limit") {
            guard let v = Int(l), (1...100).contains(v) else { throw HTTPProblem(.badRequest, detail: "limit: expected an integer from 1 to 100, got \"\(l)\"") }
            limit = v
        }
        var cursor: Int64?
        if let c = request.query("cursor") {
            guard let v = Int64(c), v > 0 else { throw HTTPProblem(.badRequest, detail: "cursor: not a cursor this server gave (\"\(c)\")") }
            cursor = v
        }
        let scenario = request.query("scenario").flatMap { $0.isEmpty ? nil : $0 }
        let (runs, next) = try database { try $0.list(limit: limit, before: cursor, scenarioId: scenario) }
        var nextLink = JSON.null
        if let next {
            var q = "/api/runs?limit=\(limit)&cursor=\(next)"
            if let scenario { q += "&scenario=" + PercentEncoding.queryValue(scenario) }
            nextLink = .string(q)
        }
        return .json(.object([("runs", .array(runs.map { Self.runJSON($0) })), ("next", nextLink)]))
    }

    func deleteRun(_ request: HTTPRequest) throws -> HTTPResponse {
        let run = try storedRun(request)
        guard let auth = request.headers["Authorization"], auth.lowercased().hasPrefix("bearer ") else {
            throw HTTPProblem(HTTPStatus(code: 401), detail: "deleting a run needs its delete token (or the admin token): Authorization: Bearer <token>",
                              headers: ["WWW-Authenticate": "Bearer realm=\"tcplab\""])
        }
        let token = String(auth.dropFirst(7).trimmingOWS())
        let admin = configuration.adminToken.map { Tokens.constantTimeEqual($0, token) } ?? false
        let own = try database { try $0.deleteTokenHash(run.id) }.map { Tokens.constantTimeEqual($0, Tokens.hash(token)) } ?? false
        guard admin || own else { throw HTTPProblem(.forbidden, detail: "that token does not delete run \"\(run.id)\"") }
        _ = try database { try $0.delete(run.id) }
        tagCache.withLock {
            $0.deletions &+= 1
            $0.tags.remove(run.id)
        }
        return HTTPResponse(status: .noContent)
    }

    func trace(_ request: HTTPRequest) throws -> HTTPResponse {
        let id = request.parameters["id"] ?? ""
        let headers: HTTPHeaders = ["Content-Type": "application/json", "Cache-Control": "no-cache"]
        var found: (etag: String, bytes: [UInt8])? = nil
        if let etag = tagCache.withLock({ $0.tags.get(id) }), let hit = traceBytes.withLock({ $0.get(etag) }) {
            found = (etag, hit)
        } else {
            let generation = tagCache.withLock { $0.deletions }
            found = try database { repo in
                guard let etag = try repo.traceEtag(id) else { return nil }
                if let hit = traceBytes.withLock({ $0.get(etag) }) { return (etag, hit) }
                guard let bytes = try repo.traceBytes(etag: etag) else { return nil }
                traceBytes.withLock { $0.put(etag, bytes, cost: bytes.count) }
                return (etag, bytes)
            }
            if let etag = found?.etag {
                tagCache.withLock { if $0.deletions == generation { $0.tags.put(id, etag, cost: etag.utf8.count) } }
            }
        }
        guard let found else { throw HTTPProblem(.notFound, detail: "no run \"\(id)\"") }
        var response = HTTPResponse(status: .ok, headers: headers, body: found.bytes)
        response.headers["ETag"] = found.etag
        return response
    }

    /// Re-runs a stored run's scenario: the simulator is deterministic, so this is the stored run.
    func rerun(_ request: HTTPRequest, snapshotsAt: [Instant] = []) throws -> (StoredRun, Trace) {
        let run = try storedRun(request)
        let text = try database({ try $0.scenarioJSON(run.id) })
        if let text, let script = PacketdrillRuns.script(storedAs: text) {
            return (run, try PacketdrillRuns.rerun(script, limits: configuration.runLimits, snapshotsAt: snapshotsAt))
        }
        guard let text, let scenario = try? ScenarioParser.parse(text) else {
            throw HTTPProblem(HTTPStatus(code: 410), detail: "run \"\(run.id)\" was stored without its scenario (before migration 0002); only its trace is available")
        }
        do {
            return (run, try BoundedRun.run(scenario, limits: configuration.runLimits, snapshotsAt: snapshotsAt))
        } catch {
            throw HTTPProblem(.serviceUnavailable, detail: "re-running the scenario went over the server's bounds; try again", headers: ["Retry-After": "5"])
        }
    }

    func traceText(_ request: HTTPRequest) throws -> HTTPResponse {
        let lang = TextLadder.Language(rawValue: request.query("lang") ?? Self.language(request)) ?? .en
        let timers = ["1", "true", "yes"].contains(request.query("timers") ?? "")
        let (_, trace) = try rerun(request)
        return .text(TextLadder.render(trace, notes: lang, timers: timers))
    }

    func tracePcap(_ request: HTTPRequest) throws -> HTTPResponse {
        let (run, trace) = try rerun(request)
        return HTTPResponse(status: .ok, headers: [
            "Content-Type": "application/vnd.tcpdump.pcap",
            "Content-Disposition": "attachment; filename=\"tcplab-\(run.id).pcap\"",
        ], body: Pcap.bytes(trace))
    }

    func sockets(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let at = request.query("at") else { throw HTTPProblem(.badRequest, detail: "at: required, a simulated time like 0.5 or 1500ms") }
        guard let t = TimeSpan.parse(at), t.us >= 0 else { throw HTTPProblem(.badRequest, detail: "at: \"\(at)\" is not a time (0.5, 1500ms)") }
        let (_, trace) = try rerun(request, snapshotsAt: [Instant(us: t.us)])
        guard let snapshot = trace.snapshots.first else { throw HTTPProblem(.internalServerError, detail: "no snapshot taken") }
        if request.query("format") == "text" { return .text(SocketTableText.render(snapshot)) }
        var m = TraceJSON.snapshot(snapshot).objectValue ?? []
        m.append(("text", .string(SocketTableText.render(snapshot))))
        return .json(.object(m))
    }
}

enum PercentEncoding {
    /// Encodes everything but RFC 3986 unreserved characters.
    static func queryValue(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(b)))
            default:
                let hex = String(b, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
