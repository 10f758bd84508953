import Foundation
import GazeEngine
import Logging
import ServiceLifecycle

/// Sends the outbox's deliveries: signed, one POST each, never following redirects; a timeout, a refused
/// connection or a non-2xx answer is retried with exponential backoff and jitter for about a day. Deliveries
/// live in the database, so they survive restarts.
final class WebhookDispatcher: Service, Sendable {
    struct Settings: Sendable {
        /// Wait before the first retry; each further one waits twice as long, up to `maxDelay`.
        var firstDelay: TimeInterval = 5
        var maxDelay: TimeInterval = 3 * 3600
        /// A delivery older than this is given up after its next failure.
        var giveUpAfter: TimeInterval = 24 * 3600
        var timeout: Duration = .seconds(10)
        /// Deliveries in flight at once.
        var concurrency = 8
    }

    let outbox: Outbox
    let workspaces: WorkspaceStore
    let transport: any WebhookTransport
    let settings: Settings
    let metrics: ServerMetrics
    let logger: Logger
    /// Rung when a delivery is queued; the loop also looks every second for retries that fell due.
    let wakeup: Wakeup

    init(outbox: Outbox, workspaces: WorkspaceStore, transport: any WebhookTransport, settings: Settings = .init(),
         metrics: ServerMetrics, logger: Logger, wakeup: Wakeup) {
        self.outbox = outbox
        self.workspaces = workspaces
        self.transport = transport
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.wakeup = wakeup
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                do {
                    let due = try await outbox.due(limit: settings.concurrency)
                    await withDiscardingTaskGroup { group in
                        for delivery in due { group.addTask { [self] in await send(delivery) } }
                    }
                    if due.count == settings.concurrency { continue }  // more may be waiting
                } catch {
                    if !Task.isCancelled { logger.error("webhooks: database error", metadata: ["error": "\(error)"]) }
                }
                await wakeup.wait(upTo: .seconds(1))
            }
        }
    }

    func send(_ delivery: DeliveryRecord) async {
        let attempts = delivery.attempts + 1
        let failure: String?
        var permanent = false
        do {
            guard let workspace = try await workspaces.workspace(id: delivery.workspaceId),
                let signer = WebhookSigner(secret: workspace.webhookSecret), let url = URL(string: delivery.url)
            else { throw DeliveryError("the workspace or its secret is gone") }
            let timestamp = Int64(Date().timeIntervalSince1970)
            var headers = signer.headers(id: delivery.id, timestamp: timestamp, body: delivery.payload)
            headers.append(("content-type", "application/json"))
            let status = try await transport.post(url: url, headers: headers, body: delivery.payload, timeout: settings.timeout)
            failure = (200..<300).contains(status) ? nil : "HTTP \(status)"
        } catch let refusal as URLRefusal where refusal.kind == .notAllowed {
            // The address policy will refuse this URL on every try: no point retrying for a day.
            failure = refusal.message(for: "Webhook URL")
            permanent = true
        } catch {
            failure = String(describing: error)
        }
        guard !Task.isCancelled else { return }  // shutting down: the delivery stays due and goes after restart
        metrics.webhookDeliveries.increment()
        do {
            guard let failure else { return try await outbox.delivered(delivery.id, attempts: attempts) }
            metrics.webhookFailures.increment()
            let retryAt = permanent ? nil : Self.retryTime(settings: settings, attempts: attempts, createdAt: delivery.createdAt)
            try await outbox.attemptFailed(delivery.id, attempts: attempts, error: failure, retryAt: retryAt)
            logger.warning("webhook delivery failed", metadata: [
                "delivery_id": .string(delivery.id), "job_id": .string(delivery.jobId), "attempt": .stringConvertible(attempts),
                "error": .string(failure), "retry_at": .string(retryAt.map(RFC3339.string) ?? "never"),
            ])
        } catch {
            logger.error("webhooks: could not record an attempt", metadata: ["error": "\(error)"])
        }
    }

    /// When to try again after `attempts` failures, or `nil` once the delivery is past its day.
    static func retryTime(settings: Settings, attempts: Int, createdAt: Date, now: Date = Date()) -> Date? {
        let base = min(settings.maxDelay, settings.firstDelay * pow(2, Double(attempts - 1)))
        // Full jitter in the upper half: spreads retries of many receivers that failed together.
        let delay = base * Double.random(in: 0.5...1)
        let next = now.addingTimeInterval(delay)
        return next.timeIntervalSince(createdAt) > settings.giveUpAfter ? nil : next
    }
}

struct DeliveryError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// How a delivery goes out; the real one refuses private addresses (unless allowed) and never follows redirects.
protocol WebhookTransport: Sendable {
    /// POSTs `body` and returns the status code of the first answer.
    func post(url: URL, headers: [(String, String)], body: Data, timeout: Duration) async throws -> Int
}
