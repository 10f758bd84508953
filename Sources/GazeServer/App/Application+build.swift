import Foundation
import GazeEngine
import Hummingbird
import Logging

/// Builds the server: storage, engine, job runner, webhook dispatcher and the router.
public enum GazeServerApp {
    /// - Throws: when the data folder cannot be prepared, the database cannot be opened, or the landmark model
    ///   cannot be loaded (a server that cannot process jobs refuses to start rather than fail every job).
    /// - Parameter onRunning: called with the bound port once the server listens.
    public static func build(_ configuration: ServerConfiguration, logger: Logger,
                             onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws -> some ApplicationProtocol {
        let parts = try await ServerParts(configuration, logger: logger)
        let router = buildRouter(parts)
        let publicURL = parts.presenter.publicURL
        let fixedURL = configuration.publicURL != nil
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "gaze-server"),
            services: [parts.runner, parts.dispatcher],
            onServerRunning: { channel in
                guard let port = channel.localAddress?.port else { return }
                if !fixedURL { publicURL.set("http://\(urlHost(configuration.host)):\(port)") }
                logger.info("listening", metadata: ["url": .string(publicURL.string)])
                await onRunning(port)
            },
            logger: logger)
    }

    static func buildRouter(_ parts: ServerParts) -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: ErrorMiddleware(allowed: AllowedMethods(document: OpenAPI.document)))
        router.get("healthz") { _, _ in try JobJSON.response(["status": "ok"], status: .ok) }
        router.get("metrics") { _, _ in
            let text = parts.metrics.exposition(counts: try await parts.store.counts())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("openapi.json") { _, _ in
            guard let data = OpenAPI.document else { throw APIError.notFound("The API description is not bundled.") }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        ArtifactsController(store: parts.store, files: parts.files, signer: parts.presenter.signer).addRoutes(to: router)

        let api = router.group("v1").add(middleware: BearerAuthMiddleware(workspaces: parts.workspaces))
        TasksController(store: parts.store, urls: parts.urls, runner: parts.runner, queueCapacity: parts.configuration.queueCapacity)
            .addRoutes(to: api)
        JobsController(store: parts.store, runner: parts.runner).addRoutes(to: api)
        WebhookEndpointController(workspaces: parts.workspaces, urls: parts.urls).addRoutes(to: api)
        return router
    }
}

/// `[::1]` style for IPv6 literals in URLs.
private func urlHost(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }

/// The API description shipped with the server.
enum OpenAPI {
    static let document: Data? = Bundle.module.url(forResource: "openapi", withExtension: "json").flatMap { try? Data(contentsOf: $0) }
}
