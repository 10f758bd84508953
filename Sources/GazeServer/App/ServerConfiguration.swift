import Foundation

/// Everything `gaze-server serve` can be told; the defaults run on one machine with nothing else set up.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (tests).
    public var port: Int
    /// Holds the SQLite database, downloaded sources, artifacts and the URL-signing key.
    public var dataDirectory: URL
    /// The base of absolute artifact URLs (e.g. `https://api.example.com`); by default `http://HOST:PORT`.
    public var publicURL: String?
    /// Jobs processed at once.
    public var slots: Int
    /// Downloads at once, apart from the processing slots.
    public var downloads: Int
    /// Jobs waiting (ingesting or queued) before submissions get 429.
    public var queueCapacity: Int
    public var maxSourceBytes: Int64
    public var downloadTimeout: Duration
    /// Lets source and webhook URLs reach private, loopback and link-local addresses: local development and tests only.
    public var allowPrivateURLs: Bool
    /// How long a signed artifact URL stays valid.
    public var artifactURLLifetime: TimeInterval
    /// Runs of a job a crash may interrupt before it fails.
    public var maxAttempts: Int
    /// The landmark model file; `nil` searches the usual places.
    public var modelPath: String?
    /// Retry timing for webhook deliveries (tests shorten it).
    var webhooks = WebhookDispatcher.Settings()

    public init(host: String = "127.0.0.1", port: Int = 8080, dataDirectory: URL = URL(fileURLWithPath: "gaze-data"),
                publicURL: String? = nil, slots: Int = ServerConfiguration.defaultSlots, downloads: Int = 4,
                queueCapacity: Int = 100, maxSourceBytes: Int64 = 2 << 30, downloadTimeout: Duration = .seconds(600),
                allowPrivateURLs: Bool = false, artifactURLLifetime: TimeInterval = 24 * 3600, maxAttempts: Int = 3,
                modelPath: String? = nil) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.publicURL = publicURL
        self.slots = slots
        self.downloads = downloads
        self.queueCapacity = queueCapacity
        self.maxSourceBytes = maxSourceBytes
        self.downloadTimeout = downloadTimeout
        self.allowPrivateURLs = allowPrivateURLs
        self.artifactURLLifetime = artifactURLLifetime
        self.maxAttempts = maxAttempts
        self.modelPath = modelPath
    }

    /// One job per two cores: libx264 already spreads one job over about two.
    public static var defaultSlots: Int { max(1, ProcessInfo.processInfo.activeProcessorCount / 2) }
}
