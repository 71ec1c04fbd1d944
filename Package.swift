// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "tcplab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tcplab", targets: ["tcplab"]),
        .library(name: "TCPSim", targets: ["TCPSim"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // A tiny deterministic JSON value, parser and writer (standard library only).
        .target(name: "JSONCore", linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),
        // The simulator: pure, deterministic, standard library only.
        .target(
            name: "TCPSim", dependencies: ["JSONCore"],
            // Release builds skip Swift's dynamic exclusivity checks (about a sixth of the simulator's
            // time); debug builds, which the tests use, keep them.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))],
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]
        ),
        // packetdrill scripts run against the simulated Linux host (the script plays the peer).
        .target(name: "Packetdrill", dependencies: ["TCPSim"]),
        // Renderers of a trace: JSON, text ladder, socket table.
        .target(name: "TraceFormats", dependencies: ["TCPSim", "JSONCore"]),
        // The system SQLite (libsqlite3-dev on Debian) and the store built on it.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "Store", dependencies: ["CSQLite"]),
        // The system zlib, for gzip response bodies (Debian: zlib1g-dev).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // HTTP/1.1 without I/O: parser, responses, router, connection state machine, static paths.
        .target(name: "HTTPCore", dependencies: ["JSONCore", "CZlib"]),
        // epoll, eventfd and accept4, which Swift's Glibc module does not export (headers only).
        .systemLibrary(name: "CLinux"),
        // The only HTTP code that touches sockets: listener, epoll loop, worker pool, timeouts.
        .target(
            name: "HTTPServer",
            dependencies: [
                "HTTPCore", .target(name: "CLinux", condition: .when(platforms: [.linux])),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The REST API: runs as resources (simulate, store, render), the catalogue, OpenAPI.
        .target(name: "API", dependencies: ["TCPSim", "TraceFormats", "JSONCore", "Store", "HTTPCore", "Packetdrill"]),
        .executableTarget(
            name: "tcplab",
            dependencies: [
                "TCPSim", "TraceFormats", "JSONCore", "HTTPCore", "HTTPServer", "API", "Packetdrill",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "tcplab-bench",
            dependencies: ["TCPSim", "TraceFormats", "JSONCore"],
            path: "Benchmarks/tcplab-bench"
        ),
        .testTarget(name: "JSONCoreTests", dependencies: ["JSONCore"]),
        .testTarget(name: "TCPSimTests", dependencies: ["TCPSim", "TraceFormats", "JSONCore"]),
        .testTarget(name: "PacketdrillTests", dependencies: ["Packetdrill", "TCPSim"]),
        .testTarget(name: "TraceFormatsTests", dependencies: ["TraceFormats", "TCPSim", "JSONCore"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "HTTPCoreTests", dependencies: ["HTTPCore", "JSONCore"]),
        .testTarget(
            name: "APITests",
            dependencies: ["API", "HTTPServer", "HTTPCore", "Store", "TCPSim", "TraceFormats", "JSONCore",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // The viewer (static/) in headless Chromium against the real binary; no Swift dependencies.
        .testTarget(name: "ViewerTests"),
        .testTarget(
            name: "HTTPServerTests",
            dependencies: ["HTTPServer", "HTTPCore", "JSONCore", .product(name: "Logging", package: "swift-log")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
