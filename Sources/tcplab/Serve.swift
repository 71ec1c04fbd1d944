// `tcplab serve`: the HTTP server with GET /health and the viewer's static files.
import API
import ArgumentParser
import HTTPCore
import HTTPServer
import JSONCore
import Logging

#if canImport(Glibc)
import Glibc
#endif

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the HTTP server: GET /health and the viewer's static files.",
        discussion: """
            Static files come from --static DIR, else ./static, else a static/ directory next to \
            the executable (or up to four levels above it, which finds the repository's static/ \
            from .build/), else a placeholder page built into the binary.
            SIGINT or SIGTERM shuts down gracefully; a second one exits at once.
            """
    )

    @Option(help: "Address to listen on: a numeric IPv4 or IPv6 address, or localhost.")
    var host = "127.0.0.1"

    @Option(help: "TCP port (0: any free port).")
    var port = 8080

    @Option(help: "SQLite database file of the runs (created and migrated at start).")
    var db = "tcplab.sqlite"

    @Option(name: .customLong("admin-token"), help: "A token that may delete any run (DELETE /api/runs/{id} with Authorization: Bearer TOKEN). Also read from TCPLAB_ADMIN_TOKEN.")
    var adminToken: String?

    @Option(name: .customLong("rate-limit"), help: "POST /api/runs per client address: BURST/PER_MINUTE (default 10/30).")
    var rateLimit = "10/30"

    @Option(name: .customLong("run-wall-seconds"), help: "Wall time one simulation may take before it is refused.")
    var runWallSeconds: Double = 10

    @Option(name: .customLong("log-level"), help: "trace, debug, info (one line per request), notice, warning, error or critical.")
    var logLevel = "info"

    @Option(name: .customLong("static"), help: "Directory of static files to serve at /.")
    var staticDirectory: String?

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard parsedRateLimit != nil else { throw ValidationError("--rate-limit expects BURST/PER_MINUTE, like 10/30") }
        guard runWallSeconds > 0 && runWallSeconds <= 600 else { throw ValidationError("--run-wall-seconds must be in (0, 600]") }
    }

    var parsedRateLimit: (burst: Double, perMinute: Double)? {
        let parts = rateLimit.split(separator: "/")
        guard parts.count == 2, let b = Double(parts[0]), let m = Double(parts[1]), b >= 1, m >= 0 else { return nil }
        return (b, m)
    }

    func run() throws {
        installMemoryAdvice()
        // Before any thread starts, so that every thread inherits the blocked mask.
        ShutdownSignals.block()
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "tcplab.http")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let descriptors = HTTPServer.raiseFileDescriptorLimit()

        var apiConfiguration = APIConfiguration()
        apiConfiguration.adminToken = adminToken ?? getenv("TCPLAB_ADMIN_TOKEN").map { String(cString: $0) }
        if let limit = parsedRateLimit { (apiConfiguration.rateLimitBurst, apiConfiguration.rateLimitPerMinute) = limit }
        apiConfiguration.runLimits.wallSeconds = runWallSeconds
        let api: API
        do {
            api = try API(databasePath: db, configuration: apiConfiguration)
        } catch {
            writeStderr("tcplab: cannot open the database \(db): \(error)\n")
            throw ExitCode(1)
        }
        if !api.appliedMigrations.isEmpty { logger.notice("database \(db): applied migrations \(api.appliedMigrations)") }

        let files = try staticFiles()
        let stats = ServerStats()
        let started = monotonicSeconds()
        var router = Router()
        router.get("/health") { _ in
            let s = stats.snapshot
            return .json([
                "status": "ok",
                "service": "tcplab",
                "uptimeSeconds": .int(Int64(monotonicSeconds() - started)),
                "connections": ["open": .int(Int64(s.open)), "accepted": .int(Int64(s.accepted))],
                "responses": .int(Int64(s.responses)),
                "database": api.databaseStatus(),
            ])
        }
        api.install(on: &router)
        files.install(on: &router)

        let server = HTTPServer(configuration: .init(host: host, port: port), router: router, logger: logger, stats: stats)
        let address: SocketAddress
        do {
            address = try server.start()
        } catch {
            writeStderr("tcplab: cannot listen on \(host):\(port): \(error)\n")
            throw ExitCode(1)
        }
        logger.notice("listening on http://\(address)/ — static files: \(files.origin); database: \(db); descriptors: \(descriptors)")

        ShutdownSignals.handle { [logger] signal, count in
            if count == 1 {
                logger.notice("signal \(signal): shutting down (again to exit at once)")
                server.shutdown()
            } else {
                Glibc.exit(130)
            }
        }
        server.wait()
        logger.notice("stopped")
    }

    /// The static files to serve: the first directory found, or the built-in placeholder.
    func staticFiles() throws -> StaticFiles {
        if let staticDirectory {
            guard let files = StaticFiles(directory: staticDirectory) else {
                writeStderr("tcplab: --static \(staticDirectory) is not a directory\n")
                throw ExitCode(2)
            }
            return files
        }
        var candidates = ["static"]
        if let executable = executableDirectory() {
            var dir = executable
            for _ in 0...4 {
                candidates.append(dir + "/static")
                dir += "/.."
            }
        }
        for candidate in candidates {
            if let files = StaticFiles(directory: candidate), access(candidate + "/index.html", R_OK) == 0 { return files }
        }
        return StaticFiles(embedded: ["index.html": Array(Self.placeholderPage.utf8)])
    }

    func executableDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }

    /// Served when no static/ directory is found (an installed binary, say).
    static let placeholderPage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>tcplab</title></head>
        <body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto">
        <h1>tcplab</h1>
        <p>The server is running. The trace viewer is coming.</p>
        <p><a href="/health">GET /health</a></p>
        </body></html>

        """
}

private func monotonicSeconds() -> Int {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec
}
