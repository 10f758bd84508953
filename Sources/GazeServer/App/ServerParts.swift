import Crypto
import Foundation
import GRDB
import GazeEngine
import Logging

/// The server's long-lived pieces, made once from the configuration and shared by routes and services.
struct ServerParts: Sendable {
    let configuration: ServerConfiguration
    let files: JobFiles
    let db: any DatabaseWriter
    let presenter: JobPresenter
    let store: JobStore
    let workspaces: WorkspaceStore
    let urls: URLChecker
    let metrics: ServerMetrics
    let runner: JobRunner
    let dispatcher: WebhookDispatcher

    init(_ configuration: ServerConfiguration, logger: Logger) async throws {
        self.configuration = configuration
        files = JobFiles(root: configuration.dataDirectory)
        try files.prepare()
        db = try Database.open(path: files.database.path)
        let policy: AddressPolicy = configuration.allowPrivateURLs ? .allowAll : .publicOnly
        presenter = JobPresenter(
            publicURL: PublicURL(configuration.publicURL ?? "http://\(configuration.host):\(configuration.port)"),
            signer: URLSigner(key: try Self.signingKey(in: configuration.dataDirectory)),
            urlLifetime: configuration.artifactURLLifetime)
        let deliveries = Wakeup()
        store = JobStore(db: db, presenter: presenter, deliveries: deliveries)
        workspaces = WorkspaceStore(db: db)
        urls = URLChecker(policy: policy)
        metrics = ServerMetrics()

        var engineConfiguration = EngineConfiguration(modelPath: configuration.modelPath)
        engineConfiguration.limits.maxFileBytes = configuration.maxSourceBytes
        engineConfiguration.workDirectory = files.work
        engineConfiguration.transferTimeout = configuration.downloadTimeout
        engineConfiguration.addressPolicy = policy
        let engine = try GazeEngine(configuration: engineConfiguration)

        runner = JobRunner(store: store, engine: engine, files: files,
                           settings: .init(slots: max(1, configuration.slots), downloads: max(1, configuration.downloads),
                                           maxAttempts: configuration.maxAttempts),
                           metrics: metrics, logger: logger)
        dispatcher = WebhookDispatcher(outbox: Outbox(db: db), workspaces: workspaces, transport: PinnedWebhookTransport(policy: policy),
                                       settings: configuration.webhooks, metrics: metrics, logger: logger, wakeup: deliveries)
    }

    /// The key artifact URLs are signed with: made on first start and kept, so links survive restarts.
    static func signingKey(in folder: URL) throws -> SymmetricKey {
        let file = folder.appendingPathComponent("url-signing.key")
        if let data = try? Data(contentsOf: file), data.count == 32 { return SymmetricKey(data: data) }
        let data = Secrets.randomKey().withUnsafeBytes { Data($0) }
        _ = FileManager.default.createFile(atPath: file.path, contents: data, attributes: [.posixPermissions: 0o600])
        guard (try? Data(contentsOf: file)) == data else { throw ServerError("Could not write \(file.path).") }
        return SymmetricKey(data: data)
    }
}

/// A start-up failure, printed as is.
public struct ServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
