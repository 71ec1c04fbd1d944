// The viewer in static/ loaded by headless Chromium against a real `tcplab serve`:
// - scripts/viewer-check.sh (chromium --dump-dom and screenshots): the ladder's DOM holds one arrow
//   per segment of the trace (in a bulk transfer, an arrow or a count in a summary band), the state
//   labels and call returns, the notes in English and in Chinese, the time break, the downloads,
//   the stream graphs' bars and lines;
// - scripts/viewer-browser.py (chromedriver over WebDriver, Python standard library only): the
//   interactive parts — a form error beside its field, the JSON editor's problems beside their
//   lines, deleting a run, stepping with the keyboard and the socket table, drag-zoom on the stream
//   graphs, the compare view holding exactly both runs' segments on one time axis, the sticky
//   header's state per socket, a packetdrill run's same-instant events on rows of their own with no
//   labels overlapping, zooming the ladder (wheel, band click, keys, pinch) with the bands' counts
//   equal to the segments they cover, and a 100,000-segment transfer drawn within a measured bound,
//   summarized at zoom 1 and redrawn as it scrolls zoomed in.
// Serialized: two browsers at once on a small machine would make the timing check meaningless.
import Foundation
import Testing

@Suite(.serialized) struct ViewerCheckTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/debug/tcplab").path
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `arguments` with the test's environment; returns the exit status and everything printed.
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["300"] + arguments   // a hung browser fails the test instead of CI
        var env = ProcessInfo.processInfo.environment
        env["CHROMIUM"] = chromium
        if let chromedriver { env["CHROMEDRIVER"] = chromedriver }
        env["TCPLAB"] = binary
        env["OUT"] = env["VIEWER_SCREENSHOTS"] ?? FileManager.default.temporaryDirectory.path   // screenshots land here
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test(.enabled(if: chromium != nil, "Chromium not installed (apt-get install chromium); .ci/run installs it"),
          .enabled(if: FileManager.default.isExecutableFile(atPath: binary), "the tcplab binary is not built"))
    func viewerInHeadlessChromium() throws {
        let (status, output) = try Self.run(["/bin/bash", Self.root.appendingPathComponent("scripts/viewer-check.sh").path])
        #expect(status == 0, "\(output)")
        #expect(!output.contains("FAIL"), "\(output)")
        #expect(output.contains("class=\"seg\" elements, summary.segments"), "\(output)")
    }

    @Test(.enabled(if: chromium != nil, "Chromium not installed (apt-get install chromium); .ci/run installs it"),
          .enabled(if: chromedriver != nil, "chromedriver not installed (apt-get install chromium-driver); .ci/run installs it"),
          .enabled(if: python != nil, "python3 not installed"),
          .enabled(if: FileManager.default.isExecutableFile(atPath: binary), "the tcplab binary is not built"))
    func viewerInteractionsOverWebDriver() throws {
        let (status, output) = try Self.run([Self.python!, Self.root.appendingPathComponent("scripts/viewer-browser.py").path])
        print(output.split(separator: "\n").filter { $0.hasPrefix("figures:") || $0.hasPrefix("FAIL") }.joined(separator: "\n"))
        #expect(status == 0, "\(output)")
        #expect(!output.contains("FAIL"), "\(output)")
        // Every part ran (a part that threw would have printed FAIL, but make the count explicit).
        for part in ["form_error", "editor", "delete", "keyboard", "drag_zoom", "compare", "instants", "zoom", "large"] {
            #expect(output.contains("(\(part): "), "\(part) did not run:\n\(output)")
        }
        #expect(output.contains("segments drawn"), "\(output)")
    }
}
