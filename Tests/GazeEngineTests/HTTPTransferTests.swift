import AsyncHTTPClient
import Foundation
import GazeTestSupport
import NIOCore
import NIOConcurrencyHelpers
import Testing

@testable import GazeEngine

@Suite("HTTPTransfer")
struct HTTPTransferTests {
    /// Deterministic, non-repeating-looking bytes so a reordered or truncated transfer cannot compare equal.
    private static func sampleBytes(_ count: Int) -> Data {
        var state: UInt32 = 0x9E37_79B9
        return Data((0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        })
    }

    private static func transfer(
        maxDownloadBytes: Int64 = 1 << 30, timeout: Duration = .seconds(20), policy: AddressPolicy = .allowAll
    ) -> HTTPTransfer {
        HTTPTransfer(maxDownloadBytes: maxDownloadBytes, timeout: timeout, policy: policy)
    }

    /// Public addresses only, except the test server's 127.0.0.1, so the first hop connects and later ones are checked.
    private static let publicAndTestServer = AddressPolicy.publicOnly.allowing([.v4(0x7F00_0001)])

    /// Downloads `path` from a server with `routes` into a fresh folder and returns the ``GazeError`` the
    /// download fails with; checks that it leaves no file at the destination.
    private static func refusedDownload(
        _ path: String, routes: [String: LocalHTTPServer.Route] = [:], maxDownloadBytes: Int64 = 1 << 30,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> GazeError? {
        let directory = try makeTemporaryFolder("HTTPTransferTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let destination = directory.appending(path: "downloaded.mp4")
        let error = try await LocalHTTPServer.with(routes: routes) { server in
            await gazeError {
                try await transfer(maxDownloadBytes: maxDownloadBytes).download(from: server.url(path), to: destination) { _ in }
            }
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path), sourceLocation: sourceLocation)
        return error
    }

    /// PUTs `size` bytes to a server whose only route is `route` and returns the ``GazeError`` the upload
    /// fails with; checks that the server kept nothing.
    private static func refusedUpload(
        to route: LocalHTTPServer.Route, size: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> GazeError? {
        let directory = try makeTemporaryFolder("HTTPTransferTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "output.mp4")
        try sampleBytes(size).write(to: file)
        return try await LocalHTTPServer.with(routes: ["/target.mp4": route]) { server in
            let error = await gazeError {
                try await transfer().upload(file: file, to: server.url("/target.mp4")) { _ in }
            }
            #expect(server.uploads.isEmpty, sourceLocation: sourceLocation)
            return error
        }
    }

    @Test func downloadWritesTheExactBytesAndReportsProgress() async throws {
        let directory = try makeTemporaryFolder("HTTPTransferTests")
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
        let error = try await Self.refusedDownload("/missing.mp4")
        #expect(error?.code == .invalidSource)
        #expect(error?.message == "Source URL returned 404.")
    }

    @Test func serverErrorIsAnInvalidSource() async throws {
        let directory = try makeTemporaryFolder("HTTPTransferTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await LocalHTTPServer.with(routes: ["/broken.mp4": .status(500)]) { server in
            let error = await gazeError {
                try await Self.transfer().download(
                    from: server.url("/broken.mp4"), to: directory.appending(path: "out.mp4")) { _ in }
            }
            #expect(error == .invalidSource("Source URL returned 500."))
        }
    }

    @Test func contentLengthOverTheCapIsUnsupportedMedia() async throws {
        let directory = try makeTemporaryFolder("HTTPTransferTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appending(path: "big.mp4")
        try Self.sampleBytes(3 << 20).write(to: source)
        let error = try await Self.refusedDownload("/big.mp4", routes: ["/big.mp4": .file(source)], maxDownloadBytes: 2 << 20)
        #expect(error == .unsupportedMedia("Source is larger than the 2 MiB limit."))
    }

    @Test func streamedBodyOverTheCapIsUnsupportedMediaAndRemovesThePartialFile() async throws {
        let error = try await Self.refusedDownload(
            "/chunked", routes: ["/chunked": .chunked(Self.sampleBytes(200_000))], maxDownloadBytes: 100_000)
        #expect(error == .unsupportedMedia("Source is larger than the 97.7 KiB limit."))
    }

    /// Redirects are followed by hand, hop by hop, whether or not the policy checks addresses.
    @Test(arguments: [false, true])
    func followsUpToThreeRedirectsButNotFour(checkingAddresses: Bool) async throws {
        let directory = try makeTemporaryFolder("HTTPTransferTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appending(path: "source.mp4")
        let bytes = Self.sampleBytes(10_000)
        try bytes.write(to: source)
        let transfer = Self.transfer(policy: checkingAddresses ? Self.publicAndTestServer : .allowAll)
        try await LocalHTTPServer.with(routes: ["/clip.mp4": .file(source)]) { server in
            server.addRedirectChain(from: "/two", hops: 2, to: "/clip.mp4")
            server.addRedirectChain(from: "/three", hops: 3, to: "/clip.mp4")
            server.addRedirectChain(from: "/four", hops: 4, to: "/clip.mp4")
            for path in ["/two", "/three"] {
                let destination = directory.appending(path: "via\(path.dropFirst()).mp4")
                try await transfer.download(from: server.url(path), to: destination) { _ in }
                #expect(try Data(contentsOf: destination) == bytes)
            }
            let destination = directory.appending(path: "via-four.mp4")
            let error = await gazeError {
                try await transfer.download(from: server.url("/four"), to: destination) { _ in }
            }
            #expect(error == .invalidSource("Source URL redirected more than 3 times."))
            #expect(!FileManager.default.fileExists(atPath: destination.path))
        }
    }

    @Test(arguments: [
        ("http://10.0.0.1/clip.mp4", "its host is a private address (10.0.0.1)"),
        ("http://169.254.169.254/latest/meta-data/", "its host is a cloud metadata address (169.254.169.254)"),
        ("http://[::ffff:127.0.0.2]/", "its host is a loopback address (::ffff:127.0.0.2)"),
        ("http://localhost/clip.mp4", "its host is a loopback name (localhost)"),
    ])
    func redirectToANonPublicHostIsRefused(location: String, reason: String) async throws {
        let directory = try makeTemporaryFolder("HTTPTransferTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let destination = directory.appending(path: "downloaded.mp4")
        try await LocalHTTPServer.with(routes: ["/start": .redirect(to: location)]) { server in
            let error = await gazeError {
                try await Self.transfer(policy: Self.publicAndTestServer).download(from: server.url("/start"), to: destination) { _ in }
            }
            #expect(error == .invalidSource("Source URL is not allowed: after a redirect, \(reason)."))
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
    }

    @Test func publicOnlyRefusesALoopbackSourceWithoutConnecting() async throws {
        let directory = try makeTemporaryFolder("HTTPTransferTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appending(path: "source.mp4")
        try Self.sampleBytes(1000).write(to: source)
        try await LocalHTTPServer.with(routes: ["/clip.mp4": .file(source)]) { server in
            let error = await gazeError {
                try await Self.transfer(policy: .publicOnly).download(
                    from: server.url("/clip.mp4"), to: directory.appending(path: "out.mp4")) { _ in }
            }
            #expect(error == .invalidSource("Source URL is not allowed: its host is a loopback address (127.0.0.1)."))
            #expect(server.lastRequestHeaders("/clip.mp4") == nil)
        }
    }

    @Test func publicOnlyRefusesALoopbackUploadTarget() async throws {
        let directory = try makeTemporaryFolder("HTTPTransferTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "output.mp4")
        try Self.sampleBytes(1000).write(to: file)
        try await LocalHTTPServer.with { server in
            let error = await gazeError {
                try await Self.transfer(policy: .publicOnly).upload(file: file, to: server.url("/out.mp4")) { _ in }
            }
            #expect(error == .outputFailed("Output URL is not allowed: its host is a loopback address (127.0.0.1)."))
            #expect(server.uploads.isEmpty)
        }
    }

    @Test(.enabled(if: AddressPolicyTests.loopbackAlias != nil, "/etc/hosts has no loopback name other than localhost"))
    func aNamedHostIsConnectedToAtItsCheckedAddress() async throws {
        let name = try #require(AddressPolicyTests.loopbackAlias)
        let directory = try makeTemporaryFolder("HTTPTransferTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appending(path: "source.mp4")
        let bytes = Self.sampleBytes(5000)
        try bytes.write(to: source)
        try await LocalHTTPServer.with(routes: ["/clip.mp4": .file(source)]) { server in
            let port = try #require(server.baseURL.port)
            let url = try #require(URL(string: "http://\(name):\(port)/clip.mp4"))
            let destination = directory.appending(path: "named.mp4")
            try await Self.transfer(policy: Self.publicAndTestServer).download(from: url, to: destination) { _ in }
            #expect(try Data(contentsOf: destination) == bytes)
            // The Host header keeps the name even though the connection went to the pinned address.
            let headers = server.lastRequestHeaders("/clip.mp4") ?? []
            #expect(headers.contains { $0.0.lowercased() == "host" && $0.1.hasPrefix(name) })
        }
    }

    @Test func pinnedRequestsReturnRedirectsAsIs() async throws {
        try await LocalHTTPServer.with(routes: ["/hook": .redirect(to: "/elsewhere")]) { server in
            var request = HTTPClientRequest(url: server.url("/hook").absoluteString)
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: "{}"))
            let (status, location) = try await PinnedHTTP.execute(
                request, policy: Self.publicAndTestServer, deadline: .now() + .seconds(10)
            ) { response in (response.status.code, response.headers.first(name: "Location")) }
            #expect(status == 302)
            #expect(location == "/elsewhere")
            #expect(server.lastRequestHeaders("/elsewhere") == nil)
        }
    }

    @Test func refusedConnectionIsAnInvalidSource() async throws {
        let directory = try makeTemporaryFolder("HTTPTransferTests")
        defer { try? FileManager.default.removeItem(at: directory) }
        // A port that was just in use and is now closed refuses connections.
        let server = try await LocalHTTPServer.start()
        let url = server.url("/clip.mp4")
        try await server.shutdown()
        let started = ContinuousClock.now
        let error = await gazeError {
            try await Self.transfer(timeout: .seconds(3)).download(from: url, to: directory.appending(path: "out.mp4")) { _ in }
        }
        #expect(error?.code == .invalidSource)
        #expect(error?.message.hasPrefix("Source URL could not be reached: ") == true)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func nonHTTPSchemeIsAnInvalidSource() async throws {
        let error = await gazeError {
            try await Self.transfer().download(
                from: URL(fileURLWithPath: "/etc/hosts"), to: URL(fileURLWithPath: "/tmp/never-written")) { _ in }
        }
        #expect(error?.code == .invalidSource)
    }

    @Test func cancellingADownloadThrowsCancelledAndRemovesThePartialFile() async throws {
        let directory = try makeTemporaryFolder("HTTPTransferTests")
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
            let error = await gazeError { try await task.value }
            #expect(error == .cancelled)
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
    }

    @Test func uploadPutsTheExactBytes() async throws {
        let directory = try makeTemporaryFolder("HTTPTransferTests")
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
        let error = try await Self.refusedUpload(to: .status(403), size: 50_000)
        #expect(error == .outputFailed("Output URL returned 403."))
    }

    @Test func uploadDoesNotFollowRedirects() async throws {
        let error = try await Self.refusedUpload(to: .redirect(to: "/elsewhere.mp4"), size: 1000)
        #expect(error == .outputFailed("Output URL returned 302."))
    }

    @Test func byteCountsReadNaturally() {
        #expect(HTTPTransfer.byteCount(2 << 30) == "2 GiB")
        #expect(HTTPTransfer.byteCount(1536 << 10) == "1.5 MiB")
        #expect(HTTPTransfer.byteCount(700) == "700 bytes")
    }
}
