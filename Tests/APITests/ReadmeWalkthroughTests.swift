// The README's curl walkthrough, run as a script against a live server, so it cannot rot.
import Foundation
import Testing

@Suite struct ReadmeWalkthroughTests {
    /// The ```sh block after the `<!-- walkthrough` marker in README.md.
    static func walkthrough() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let marker = readme.range(of: "<!-- walkthrough"),
              let open = readme.range(of: "```sh\n", range: marker.upperBound..<readme.endIndex),
              let close = readme.range(of: "\n```", range: open.upperBound..<readme.endIndex)
        else { throw CurlFailure(description: "README.md has no walkthrough block") }
        return String(readme[open.upperBound..<close.lowerBound])
    }

    @Test func everyCommandOfTheWalkthroughWorks() throws {
        let script = try Self.walkthrough()
        #expect(script.contains("localhost:8080"))
        let db = TempDatabase()
        try withAPI(database: db) { port in
            let dir = NSTemporaryDirectory() + "tcplab-walk-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            // -e -u as a careful user would; not pipefail: `curl … | head -c 400` closes the pipe
            // early by design, and curl then exits 23 (a write error), as it does in a terminal.
            p.arguments = ["-eu", "-c", script.replacingOccurrences(of: "localhost:8080", with: "127.0.0.1:\(port)")]
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(text)")
            #expect(text.contains("\"scenarios\":[{\"id\":\"port-in-use\""))          // 1
            #expect(text.range(of: #"run [a-z2-7]{16}\n"#, options: .regularExpression) != nil)   // 2
            #expect(text.contains("FIN") && text.contains("\"schemaVersion\":1"))      // 3
            #expect(FileManager.default.fileExists(atPath: dir + "/run.pcap"))          // 4
            #expect(text.contains("ECONNREFUSED"))                                     // 5: the RST refuses the connect
            #expect(text.contains(#""path":"steps[1].call""#) && text.contains("HTTP 422"))   // 6
            #expect(text.contains(#""packetdrill":{"verdict":"pass"}"#))                   // 7
        }
    }
}
