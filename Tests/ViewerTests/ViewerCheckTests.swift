import Foundation
import XCTest

/// Runs scripts/viewer-check.sh: the viewer in static/ loaded by headless Chromium against a real
/// `tcplab serve`, checking the ladder's DOM (segments, states, calls, notes in en and zh).
/// Skipped when Chromium or the built binary is missing.
final class ViewerCheckTests: XCTestCase {
    func testViewerInHeadlessChromium() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/viewer-check.sh").path
        let binary = root.appendingPathComponent(".build/debug/tcplab").path
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromium else { throw XCTSkip("no chromium installed") }
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no \(binary)") }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script]
        var env = ProcessInfo.processInfo.environment
        env["CHROMIUM"] = chromium
        env["TCPLAB"] = binary
        env["OUT"] = FileManager.default.temporaryDirectory.path
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        XCTAssertFalse(output.contains("FAIL"), output)
    }
}
