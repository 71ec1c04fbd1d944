// The viewer in static/ loaded by headless Chromium against a real `tcplab serve`
// (scripts/viewer-check.sh): the ladder's DOM holds one arrow per segment of the trace, the state
// labels and call returns, the notes in English and in Chinese, the time break, the downloads.
import Foundation
import Testing

@Suite struct ViewerCheckTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/debug/tcplab").path
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: chromium != nil, "Chromium not installed (apt-get install chromium); .ci/run installs it"),
          .enabled(if: FileManager.default.isExecutableFile(atPath: binary), "the tcplab binary is not built"))
    func viewerInHeadlessChromium() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.root.appendingPathComponent("scripts/viewer-check.sh").path]
        var env = ProcessInfo.processInfo.environment
        env["CHROMIUM"] = Self.chromium
        env["TCPLAB"] = Self.binary
        env["OUT"] = FileManager.default.temporaryDirectory.path   // screenshots land here
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(!output.contains("FAIL"), "\(output)")
        #expect(output.contains("class=\"seg\" elements, summary.segments"), "\(output)")
    }
}
