import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import GazeEngine

@Suite("HTTPTransfer")
struct HTTPTransferTests {
    /// A fresh temporary directory; each test removes it with `defer`.
    private static func makeTemporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appending(path: "HTTPTransferTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Deterministic, non-repeating-looking bytes so a reordered or truncated transfer cannot compare equal.
    private static func sampleBytes(_ count: Int) -> Data {
        var state: UInt32 = 0x9E37_79B9
        return Data((0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        })
    }

    private static func transfer(maxDownloadBytes: Int64 = 1 << 30, timeout: Duration = .seconds(20)) -> HTTPTransfer {
        HTTPTransfer(maxDownloadBytes: maxDownloadBytes, timeout: timeout)
    }

    /// Runs `operation` and returns the ``GazeError`` it throws, failing the test if it succeeds.
    /// (Untyped on purpose: Swift 6.3.1 crashes compiling `Task { () async throws(GazeError) in ... }`.)
    private static func failure(_ operation: () async throws -> Void) async -> GazeError? {
        do {
            try await operation()
            Issue.record("expected the transfer to fail")
            return nil
        } catch {
            #expect(error is GazeError, "\(error)")
            return error as? GazeError
        }
    }

    @Test func downloadWritesTheExactBytesAndReportsProgress() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appending(path: "source.mp4")
        let bytes = Self.sampleBytes(3 << 20 + 123)
        try bytes.write(to: source)
        let destination = directory.appending(path: "downloaded.mp4")
        let fractions = NIOLockedValueBox<[Double?]>([])

        try await LocalHTTPServer.with(routes: ["/clip.mp4": .file(source)]) { server in
            try await Self.transfer().download(from: server.url("/clip.mp4"), to: destination) { fraction in
                fractions.withLockedValue { $0.append(fraction) }
            }
        }
        #expect(try Data(contentsOf: destination) == bytes)
        let reported = fractions.withLockedValue { $0 }
        #expect(reported.last == 1.0)
        #expect(reported.allSatisfy { $0 != nil })
    }

    @Test func notFoundIsAnInvalidSourceAndLeavesNoFile() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let destination = directory.appending(path: "downloaded.mp4")
        try await LocalHTTPServer.with { server in
            let error = await Self.failure {
                try await Self.transfer().download(from: server.url("/missing.mp4"), to: destination) { _ in }
            }
            #expect(error?.code == .invalidSource)
            #expect(error?.message == "Source URL returned 404.")
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
    }

    @Test func serverErrorIsAnInvalidSource() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await LocalHTTPServer.with(routes: ["/broken.mp4": .status(500)]) { server in
            let error = await Self.failure {
                try await Self.transfer().download(
                    from: server.url("/broken.mp4"), to: directory.appending(path: "out.mp4")) { _ in }
            }
            #expect(error == .invalidSource("Source URL returned 500."))
        }
    }

    @Test func contentLengthOverTheCapIsUnsupportedMedia() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appending(path: "big.mp4")
        try Self.sampleBytes(3 << 20).write(to: source)
        let destination = directory.appending(path: "downloaded.mp4")
        try await LocalHTTPServer.with(routes: ["/big.mp4": .file(source)]) { server in
            let error = await Self.failure {
                try await Self.transfer(maxDownloadBytes: 2 << 20).download(from: server.url("/big.mp4"), to: destination) { _ in }
            }
            #expect(error == .unsupportedMedia("Source is larger than the 2 MiB limit."))
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
    }

    @Test func streamedBodyOverTheCapIsUnsupportedMediaAndRemovesThePartialFile() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let destination = directory.appending(path: "downloaded.mp4")
        try await LocalHTTPServer.with(routes: ["/chunked": .chunked(Self.sampleBytes(200_000))]) { server in
            let error = await Self.failure {
                try await Self.transfer(maxDownloadBytes: 100_000).download(from: server.url("/chunked"), to: destination) { _ in }
            }
            #expect(error == .unsupportedMedia("Source is larger than the 97.7 KiB limit."))
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
    }

    @Test func followsUpToThreeRedirectsButNotFour() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appending(path: "source.mp4")
        let bytes = Self.sampleBytes(10_000)
        try bytes.write(to: source)
        try await LocalHTTPServer.with(routes: ["/clip.mp4": .file(source)]) { server in
            server.addRedirectChain(from: "/two", hops: 2, to: "/clip.mp4")
            server.addRedirectChain(from: "/three", hops: 3, to: "/clip.mp4")
            server.addRedirectChain(from: "/four", hops: 4, to: "/clip.mp4")
            for path in ["/two", "/three"] {
                let destination = directory.appending(path: "via\(path.dropFirst()).mp4")
                try await Self.transfer().download(from: server.url(path), to: destination) { _ in }
                #expect(try Data(contentsOf: destination) == bytes)
            }
            let destination = directory.appending(path: "via-four.mp4")
            let error = await Self.failure {
                try await Self.transfer().download(from: server.url("/four"), to: destination) { _ in }
            }
            #expect(error?.code == .invalidSource)
            #expect(!FileManager.default.fileExists(atPath: destination.path))
        }
    }

    @Test func refusedConnectionIsAnInvalidSource() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A port that was just in use and is now closed refuses connections.
        let server = try await LocalHTTPServer.start()
        let url = server.url("/clip.mp4")
        try await server.shutdown()
        let started = ContinuousClock.now
        let error = await Self.failure {
            try await Self.transfer(timeout: .seconds(3)).download(from: url, to: directory.appending(path: "out.mp4")) { _ in }
        }
        #expect(error?.code == .invalidSource)
        #expect(error?.message.hasPrefix("Source URL could not be reached: ") == true)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func nonHTTPSchemeIsAnInvalidSource() async throws {
        let error = await Self.failure {
            try await Self.transfer().download(
                from: URL(fileURLWithPath: "/etc/hosts"), to: URL(fileURLWithPath: "/tmp/never-written")) { _ in }
        }
        #expect(error?.code == .invalidSource)
    }

    @Test func cancellingADownloadThrowsCancelledAndRemovesThePartialFile() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let destination = directory.appending(path: "downloaded.mp4")
        try await LocalHTTPServer.with(
            routes: ["/slow.mp4": .stall(declaredLength: 10 << 20, prefix: Self.sampleBytes(2 << 20))]
        ) { server in
            let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
            let task = Task {
                try await Self.transfer().download(from: server.url("/slow.mp4"), to: destination) { _ in
                    startedContinuation.yield()
                }
            }
            // Cancel only once bytes are flowing, so the cancellation hits the body stream.
            for await _ in started { break }
            #expect(FileManager.default.fileExists(atPath: destination.path))
            task.cancel()
            let error = await Self.failure { try await task.value }
            #expect(error == .cancelled)
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
    }

    @Test func uploadPutsTheExactBytes() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "output.mp4")
        let bytes = Self.sampleBytes(1 << 20 + 4321)
        try bytes.write(to: file)
        let fractions = NIOLockedValueBox<[Double]>([])
        try await LocalHTTPServer.with { server in
            try await Self.transfer().upload(file: file, to: server.url("/results/out.mp4")) { fraction in
                fractions.withLockedValue { $0.append(fraction) }
            }
            #expect(server.uploads["/results/out.mp4"] == bytes)
            let headers = server.lastRequestHeaders("/results/out.mp4") ?? []
            #expect(headers.contains { $0.0.lowercased() == "content-type" && $0.1 == "video/mp4" })
            #expect(headers.contains { $0.0.lowercased() == "content-length" && $0.1 == String(bytes.count) })
        }
        #expect(fractions.withLockedValue { $0.last } == 1.0)
    }

    @Test func uploadToAForbiddenURLIsAnOutputFailure() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "output.mp4")
        try Self.sampleBytes(50_000).write(to: file)
        try await LocalHTTPServer.with(routes: ["/locked.mp4": .status(403)]) { server in
            let error = await Self.failure {
                try await Self.transfer().upload(file: file, to: server.url("/locked.mp4")) { _ in }
            }
            #expect(error == .outputFailed("Output URL returned 403."))
            #expect(server.uploads.isEmpty)
        }
    }

    @Test func uploadDoesNotFollowRedirects() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "output.mp4")
        try Self.sampleBytes(1000).write(to: file)
        try await LocalHTTPServer.with(routes: ["/moved.mp4": .redirect(to: "/elsewhere.mp4")]) { server in
            let error = await Self.failure {
                try await Self.transfer().upload(file: file, to: server.url("/moved.mp4")) { _ in }
            }
            #expect(error == .outputFailed("Output URL returned 302."))
            #expect(server.uploads.isEmpty)
        }
    }

    @Test func byteCountsReadNaturally() {
        #expect(HTTPTransfer.byteCount(2 << 30) == "2 GiB")
        #expect(HTTPTransfer.byteCount(1536 << 10) == "1.5 MiB")
        #expect(HTTPTransfer.byteCount(700) == "700 bytes")
    }
}
