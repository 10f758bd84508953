import Foundation
import GazeTestSupport
import Hummingbird
import Logging
import ServiceLifecycle
@testable import GazeServer

/// Runs one Hummingbird application on a free loopback port until `stop()`: the server under test, or a
/// fixture host beside it.
final class LiveService: Sendable {
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    /// Starts what `make` builds (given the `onRunning` callback to install) and waits until it listens.
    static func start<App: ApplicationProtocol>(
        _ make: (@escaping @Sendable (Int) async -> Void) async throws -> App
    ) async throws -> LiveService {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try await make { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test")))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestMediaError(description: "the server did not start") }
        return LiveService(port: port, group: group, task: task)
    }

    /// Graceful shutdown: the server stops accepting, the services finish what they are doing and return.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// The server under test, in a data folder of its own (or a given one, for restarts).
struct TestServer {
    let service: LiveService
    let data: URL

    static func start(data: URL? = nil, logLevel: Logger.Level = .error,
                      configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> TestServer {
        let folder = try data ?? makeTemporaryFolder("GazeServerTests")
        var configuration = ServerConfiguration(port: 0, dataDirectory: folder, allowPrivateURLs: true)
        configuration.webhooks.firstDelay = 0.2
        configure(&configuration)
        var logger = Logger(label: "gaze-server-test")
        logger.logLevel = logLevel
        let service = try await LiveService.start { onRunning in
            try await GazeServerApp.build(configuration, logger: logger, onRunning: onRunning)
        }
        return TestServer(service: service, data: folder)
    }

    var baseURL: String { service.baseURL }
    func stop() async { await service.stop() }

    /// A new workspace and a token for it, made the way the admin commands make them.
    func workspace(_ name: String = "Test") async throws -> (id: String, token: String) {
        let id = try await GazeServerAdmin.createWorkspace(name: name, data: data)
        return (id, try await GazeServerAdmin.createToken(workspace: id, data: data))
    }
}

/// Runs `body` against a fresh server and fixture host, and stops both afterwards, also when it throws.
func withServer(configure: (inout ServerConfiguration) -> Void = { _ in },
                _ body: (TestServer, FixtureHost) async throws -> Void) async throws {
    let host = try await FixtureHost.start()
    let server: TestServer
    do { server = try await TestServer.start(configure: configure) } catch {
        await host.stop()
        throw error
    }
    do {
        try await body(server, host)
    } catch {
        await server.stop()
        await host.stop()
        throw error
    }
    await server.stop()
    await host.stop()
}
