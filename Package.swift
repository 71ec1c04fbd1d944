// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "tcplab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tcplab", targets: ["tcplab"]),
        .library(name: "TCPSim", targets: ["TCPSim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
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
        // Renderers of a trace: JSON, text ladder, socket table.
        .target(name: "TraceFormats", dependencies: ["TCPSim", "JSONCore"]),
        // The system SQLite (libsqlite3-dev on Debian) and the store built on it.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "Store", dependencies: ["CSQLite"]),
        .executableTarget(
            name: "tcplab",
            dependencies: [
                "TCPSim", "TraceFormats", "JSONCore",
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
        .testTarget(name: "TraceFormatsTests", dependencies: ["TraceFormats", "TCPSim", "JSONCore"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
    ],
    swiftLanguageModes: [.v6]
)
