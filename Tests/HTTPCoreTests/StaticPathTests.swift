import Testing
@testable import HTTPCore

@Suite struct StaticPathTests {
    @Test(arguments: [
        ("/", [""]),
        ("", [""]),
        ("/index.html", ["index.html"]),
        ("/js/app.js", ["js", "app.js"]),
        ("/docs/", ["docs", ""]),
        ("/a%20b.txt", ["a b.txt"]),
        ("//a//b", ["a", "b"]),
        ("/caf%C3%A9.html", ["café.html"]),
    ])
    func ordinaryPathsResolve(_ path: String, _ expected: [String]) throws {
        #expect(try StaticPath.segments(path).get() == expected)
    }

    @Test(arguments: [
        ("/../etc/passwd", StaticPathError.dotSegment),
        ("/a/../../b", .dotSegment),
        ("/./a", .dotSegment),
        ("/%2e%2e/secret", .dotSegment),
        ("/%2E%2e/secret", .dotSegment),
        ("/.%2e/secret", .dotSegment),
        ("/a%2f..%2f..%2fsecret", .separatorInSegment),
        ("/a%5c..%5csecret", .separatorInSegment),
        ("/index.html%00.png", .nulByte),
        ("/%00", .nulByte),
        ("/.git/config", .hiddenFile),
        ("/.env", .hiddenFile),
        ("/%zz", .invalidEncoding),
        ("/%C3", .invalidEncoding),
        ("/a%0Ab", .controlCharacter),
    ])
    func escapesAreRefused(_ path: String, _ error: StaticPathError) {
        #expect(StaticPath.segments(path) == .failure(error))
    }

    @Test func mediaTypes() {
        #expect(MIMEType.forPath("index.html") == "text/html; charset=utf-8")
        #expect(MIMEType.forPath("js/app.JS") == "text/javascript; charset=utf-8")
        #expect(MIMEType.forPath("ladder.css") == "text/css; charset=utf-8")
        #expect(MIMEType.forPath("trace.json") == "application/json")
        #expect(MIMEType.forPath("icon.svg") == "image/svg+xml")
        #expect(MIMEType.forPath("capture.pcap") == "application/vnd.tcpdump.pcap")
        #expect(MIMEType.forPath("README") == "application/octet-stream")
        #expect(MIMEType.forPath("dir.d/file") == "application/octet-stream")
    }
}
