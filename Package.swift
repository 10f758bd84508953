// swift-tools-version:6.1
import PackageDescription

// The pixel loops and dlib's templates are unusably slow at -Onone, so the hot targets are
// optimised even in debug builds (tests included); release builds are unaffected.
let optimisedSwift: [SwiftSetting] = [.unsafeFlags(["-O"])]

// dlib's HOG scan and landmark regression trees are header templates compiled into the bridge; AVX
// (every x86-64 server CPU since 2011) cut detection by about 30 % and the landmark fit by about 15 % here.
#if arch(x86_64)
let dlibFlags = ["-O2", "-mavx"]
#else
let dlibFlags = ["-O2"]
#endif

let package = Package(
    name: "GazeRedirect",
    platforms: [.macOS(.v15)],  // Synchronization (Mutex, Atomic)
    products: [
        .library(name: "GazeEngine", targets: ["GazeEngine"]),
        .library(name: "GazeServer", targets: ["GazeServer"]),
        .executable(name: "gaze-redirect", targets: ["gaze-redirect"]),
        .executable(name: "gaze-server", targets: ["gaze-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libswscale libswresample libavutil",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libswresample-dev", "libavutil-dev"])]
        ),
        .target(
            name: "CGazeDlib",
            cxxSettings: [.unsafeFlags(dlibFlags)],
            linkerSettings: [
                .linkedLibrary("dlib"), .linkedLibrary("blas"), .linkedLibrary("lapack"), .linkedLibrary("m"),
            ]
        ),
        .target(
            name: "GazeEngine",
            dependencies: [
                "CFFmpeg", "CGazeDlib",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: optimisedSwift
        ),
        .executableTarget(
            name: "gaze-redirect",
            dependencies: ["GazeEngine", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(
            name: "GazeServer",
            dependencies: [
                "GazeEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("openapi.json")]
        ),
        .executableTarget(
            name: "gaze-server",
            dependencies: ["GazeServer", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(name: "GazeTestSupport", path: "Tests/GazeTestSupport"),
        .executableTarget(
            name: "gaze-bench",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "GazeEngineTests",
            dependencies: [
                "GazeEngine", "CFFmpeg", "GazeTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "GazeServerTests",
            dependencies: [
                "GazeServer", "gaze-server", "GazeEngine", "GazeTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "GazeRedirectTests", dependencies: ["gaze-redirect", "gaze-bench", "GazeTestSupport"]),
    ],
    cxxLanguageStandard: .cxx17
)
