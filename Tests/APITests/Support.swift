import Foundation
import HTTPCore
import HTTPServer
import Logging
import Testing
@testable import API

/// A temporary SQLite file, removed with its WAL files when the test ends.
final class TempDatabase {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "tcplab-api-\(UInt64.random(in: 0...UInt64.max)).sqlite"
    }
    deinit {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

/// Starts the service (API routes, real SQLite file) on an ephemeral loopback port.
func withAPI(database: TempDatabase, configuration: APIConfiguration = APIConfiguration(),
             _ body: (Int) throws -> Void) throws {
    let api = try API(databasePath: database.path, configuration: configuration)
    var router = Router()
    api.install(on: &router)
    let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, workerThreads: 4), router: router,
                            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    let port = try server.start().port
    defer {
        server.shutdown()
        server.wait()
    }
    try body(port)
}

struct CurlResponse {
    var status: Int
    var headers: [(String, String)]
    var body: Data

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
}

/// A request made by curl(1): a real client, as users script the service.
func curl(_ method: String, _ port: Int, _ path: String, body: String? = nil, headers: [String] = [],
          contentType: String = "application/json") throws -> CurlResponse {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    var args = ["-s", "-S", "-i", "--max-time", "30", "-X", method, "http://127.0.0.1:\(port)\(path)"]
    for h in headers { args += ["-H", h] }
    if body != nil { args += ["-H", "Content-Type: \(contentType)", "--data-binary", "@-"] }
    if method == "HEAD" { args = args.filter { $0 != "-X" && $0 != "HEAD" } + ["-I"] }
    p.arguments = args
    let input = Pipe(), output = Pipe()
    p.standardInput = input
    p.standardOutput = output
    try p.run()
    if let body { input.fileHandleForWriting.write(Data(body.utf8)) }
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw CurlFailure(description: "curl exited \(p.terminationStatus)") }
    // Skip interim 1xx heads; split head and body at the first blank line.
    var rest = data
    while true {
        guard let range = rest.range(of: Data("\r\n\r\n".utf8)) else { throw CurlFailure(description: "no head in curl output") }
        let head = String(decoding: rest[rest.startIndex..<range.lowerBound], as: UTF8.self)
        let body = rest[range.upperBound...]
        let lines = head.components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        if status < 200 { rest = Data(body); continue }
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return CurlResponse(status: status, headers: headers, body: Data(body))
    }
}

struct CurlFailure: Error, CustomStringConvertible { var description: String }
