#if canImport(Glibc)
import Glibc
#endif
import HTTPCore
@testable import HTTPServer
import Testing

/// Static files over a real server, and every way out of the root we know of.
@Suite(.serialized, .timeLimit(.minutes(1)))
final class StaticFilesTests {
    let base: String
    let secret = "top secret: outside the root"
    let json = "[" + (0..<300).map { #"{"seq":\#($0),"flags":["ACK"]}"# }.joined(separator: ",") + "]"

    /// base/root: the served directory; base/outside/secret.txt: what must never be served.
    init() throws {
        var template = Array("/tmp/tcplab-static-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        base = String(cString: try #require(made))
        for dir in ["root", "root/sub", "root/bare", "outside"] { mkdir(base + "/" + dir, 0o755) }
        write("root/index.html", "<h1>index</h1>")
        write("root/sub/index.html", "<h1>sub</h1>")
        write("root/data.json", json)
        write("root/.hidden", "hidden")
        write("outside/secret.txt", secret)
        symlink("../outside/secret.txt", base + "/root/link-out")
        symlink("../outside", base + "/root/dir-out")
        symlink("index.html", base + "/root/link-in")
    }

    deinit {
        for path in ["root/link-out", "root/dir-out", "root/link-in", "root/index.html", "root/sub/index.html", "root/data.json",
                     "root/.hidden", "outside/secret.txt"] { unlink(base + "/" + path) }
        for dir in ["root/sub", "root/bare", "root", "outside", ""] { rmdir(base + "/" + dir) }
    }

    func write(_ path: String, _ text: String) {
        let fd = open(base + "/" + path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }

    func serving(_ files: StaticFiles, _ body: (Int) throws -> Void) throws {
        var router = Router()
        router.get("/api/ping") { _ in .text("pong") }
        files.install(on: &router)
        try withServer(router: router) { _, port in try body(port) }
    }

    func get(_ port: Int, _ target: String, _ extra: String = "") throws -> TestResponse {
        let client = try TestClient(port: port)
        try client.send("GET \(target) HTTP/1.1\r\nHost: t\r\n\(extra)\r\n")
        return try client.readResponse()
    }

    @Test(arguments: [true, false])
    func servesFilesWithTypesAndValidators(kernelConfinement: Bool) throws {
        let files = try #require(StaticFiles(directory: base + "/root", compression: .init(), kernelConfinement: kernelConfinement))
        try serving(files) { port in
            let index = try get(port, "/")
            #expect(index.status == 200 && index.text == "<h1>index</h1>")
            #expect(index.headers["Content-Type"] == "text/html; charset=utf-8")
            #expect(index.headers["Cache-Control"] == "no-cache")
            #expect(index.headers["Last-Modified"]?.hasSuffix(" GMT") == true)
            let tag = try #require(index.headers["ETag"])
            #expect(try get(port, "/index.html", "If-None-Match: \(tag)\r\n").status == 304)
            #expect(try get(port, "/sub/").text == "<h1>sub</h1>")
            #expect(try get(port, "/link-in").text == "<h1>index</h1>")  // a link inside the root is fine
            #expect(try get(port, "/api/ping").text == "pong")  // specific routes win over the files
        }
    }

    @Test func directoryWithoutSlashIsRedirected() throws {
        try serving(try #require(StaticFiles(directory: base + "/root"))) { port in
            let r = try get(port, "/sub")
            #expect(r.status == 301 && r.headers["Location"] == "/sub/")
            #expect(try get(port, "/bare/").status == 404)  // no index, no listing
        }
    }

    @Test func largeTextFilesAreGzippedOnceAndRevalidated() throws {
        try serving(try #require(StaticFiles(directory: base + "/root"))) { port in
            let plain = try get(port, "/data.json")
            #expect(plain.text == json && plain.headers["Content-Encoding"] == nil)
            #expect(plain.headers["Vary"] == "Accept-Encoding")
            let gz = try get(port, "/data.json", "Accept-Encoding: gzip\r\n")
            #expect(gz.headers["Content-Encoding"] == "gzip")
            #expect(Gzip.decompress(gz.body).map { String(decoding: $0, as: UTF8.self) } == json)
            let gzTag = try #require(gz.headers["ETag"])
            #expect(gzTag != plain.headers["ETag"])
            #expect(try get(port, "/data.json", "Accept-Encoding: gzip\r\nIf-None-Match: \(gzTag)\r\n").status == 304)
        }
    }

    @Test(arguments: [true, false], [
        "/../outside/secret.txt", "/%2e%2e/outside/secret.txt", "/%2E%2e/%2e%2E/outside/secret.txt",
        "/sub/..%2f..%2foutside/secret.txt", "/link-out", "/dir-out/secret.txt", "/index.html%00",
        "/.hidden", "/%2ehidden", "/sub/%2e%2e/%2e%2e/outside/secret.txt", "//../outside/secret.txt",
        "/..%5c..%5coutside%5csecret.txt", "http://t/%2e%2e/outside/secret.txt",
    ])
    func traversalAttemptsFindNothing(kernelConfinement: Bool, _ target: String) throws {
        // Both ways of confining lookups: openat2(RESOLVE_BENEATH), and realpath(3).
        let files = try #require(StaticFiles(directory: base + "/root", compression: .init(), kernelConfinement: kernelConfinement))
        if !kernelConfinement { #expect(!files.useOpenat2) }
        try serving(files) { port in
            let r = try get(port, target)
            #expect(r.status == 404 || r.status == 400, "\(target) → \(r.status)")
            #expect(!r.text.contains("top secret"))
        }
    }

    @Test func embeddedFilesNeedNoDirectory() throws {
        let files = StaticFiles(embedded: ["index.html": Array("<p>built in</p>".utf8), "app.js": Array("1".utf8)])
        try serving(files) { port in
            let index = try get(port, "/")
            #expect(index.text == "<p>built in</p>" && index.headers["Content-Type"] == "text/html; charset=utf-8")
            #expect(index.headers["ETag"] != nil)
            #expect(try get(port, "/app.js").headers["Content-Type"] == "text/javascript; charset=utf-8")
            #expect(try get(port, "/missing.css").status == 404)
        }
    }

    @Test func aMissingDirectoryIsRefusedUpFront() {
        #expect(StaticFiles(directory: base + "/nope") == nil)
        #expect(StaticFiles(directory: base + "/root/index.html") == nil)
    }
}
