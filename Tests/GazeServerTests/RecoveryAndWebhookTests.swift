import Foundation
import GRDB
import GazeEngine
import GazeTestSupport
import Testing
@testable import GazeServer

/// Crash recovery and webhook retries.
@Suite(.serialized) struct RecoveryAndWebhookTests {
    /// What a `kill -9` leaves: jobs marked in flight with no process behind them.
    @Test func jobsLeftInFlightByACrashAreResumedOrFailedAfterTooManyAttempts() async throws {
        let host = try await FixtureHost.start()
        let data = try makeTemporaryFolder("GazeServerTests")
        let workspace = try await GazeServerAdmin.createWorkspace(name: "crash", data: data)
        let token = try await GazeServerAdmin.createToken(workspace: workspace, data: data)
        let db = try Database.open(path: data.appendingPathComponent("gaze.sqlite").path)
        let source = host.url("/files/v01_small.mp4"), hooks = host.url("/hooks")
        @Sendable func job(_ id: String, _ status: JobStatus, attempts: Int) -> JobRecord {
            JobRecord(id: id, workspaceId: workspace, status: status, progressPercent: 40, progressStage: .compositing,
                      sourceUrl: source, webhookUrl: hooks, intensity: 1, metadata: [:],
                      attempts: attempts, createdAt: Date(), updatedAt: Date())
        }
        let resumed = "task_01ARZ3NDEKTSV4RRFFQ69G5FA1", exhausted = "task_01ARZ3NDEKTSV4RRFFQ69G5FA2"
        try await db.write { db in
            try job(resumed, .processing, attempts: 1).insert(db)  // its source file is gone: downloads again
            try job(exhausted, .ingesting, attempts: 3).insert(db)
        }

        let server = try await TestServer.start(data: data)
        let api = APIClient(baseURL: server.baseURL, token: token)
        do {
            let done = try await api.waitForEnd(of: resumed)
            #expect(done["status"] as? String == "completed")
            let failed = try await api.waitForEnd(of: exhausted)
            #expect(failed["status"] as? String == "failed")
            #expect((failed["error"] as? [String: Any])?["code"] as? String == "internal_error")
            _ = try await host.waitForDelivery("task.failed", job: exhausted)
            _ = try await host.waitForDelivery("task.completed", job: resumed)
            // Each terminal state is reported exactly once.
            #expect(host.deliveries.filter { $0.type == "task.completed" }.count == 1)
            #expect(host.deliveries.filter { $0.type == "task.failed" }.count == 1)
        } catch {
            await server.stop(); await host.stop()
            throw error
        }
        await server.stop()
        await host.stop()
    }

    @Test func failedDeliveriesAreRetriedWithTheSameIdAndRedirectsAreNotFollowed() async throws {
        try await withServer { server, host in
            let api = APIClient(baseURL: server.baseURL, token: try await server.workspace().token)
            // The delivery fails twice, then gets through.
            host.answerHooks(with: [500, 503])
            let id = try #require(try await api.submit(#"{"source_url": "\#(host.url("/missing"))", "webhook_url": "\#(host.url("/hooks"))"}"#).json["id"] as? String)
            _ = try await api.waitForEnd(of: id)
            let db = try Database.open(path: server.data.appendingPathComponent("gaze.sqlite").path)
            let outbox = Outbox(db: db)
            let deadline = ContinuousClock.now + .seconds(20)
            while try await outbox.deliveries(job: id).contains(where: { $0.state != .delivered }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            let records = try await outbox.deliveries(job: id)
            #expect(records.map(\.eventType).contains("task.failed"))
            #expect(records.map(\.attempts).reduce(0, +) == records.count + 2)
            for record in records {
                #expect(record.state == .delivered)
                // Retries carry the same webhook-id, so receivers can drop duplicates.
                #expect(host.deliveries.filter { $0.headers["webhook-id"] == record.id }.count == record.attempts)
            }

            // A receiver answering with a redirect is a failure, and the redirect is not followed.
            let before = host.deliveries.count
            let other = try #require(try await api.submit(#"{"source_url": "\#(host.url("/missing"))", "webhook_url": "\#(host.url("/redirect-hook"))"}"#).json["id"] as? String)
            _ = try await api.waitForEnd(of: other)
            let tried = ContinuousClock.now + .seconds(30)
            while try await outbox.deliveries(job: other).first?.attempts ?? 0 < 2, ContinuousClock.now < tried {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(host.deliveries.count == before)
            let redirected = try #require(try await outbox.deliveries(job: other).first)
            #expect(redirected.state == .pending && redirected.attempts >= 1 && redirected.lastError == "HTTP 307")
        }
    }

    @Test func retriesBackOffExponentiallyAndStopAfterADay() throws {
        let dispatcher = WebhookDispatcher.Settings()
        let start = Date(timeIntervalSince1970: 0)
        var now = start
        var attempts = 0
        var delays: [TimeInterval] = []
        let settings = dispatcher
        // Mirrors the dispatcher's schedule through its public rule.
        while let next = WebhookDispatcher.retryTime(settings: settings, attempts: attempts + 1, createdAt: start, now: now) {
            delays.append(next.timeIntervalSince(now))
            now = next
            attempts += 1
        }
        #expect(delays.first.map { (2.5...5).contains($0) } == true)
        #expect(zip(delays, delays.dropFirst()).prefix(8).allSatisfy { $1 > $0 * 0.9 })  // growing, jitter aside
        #expect(delays.allSatisfy { $0 <= settings.maxDelay })
        #expect(now.timeIntervalSince(start) <= settings.giveUpAfter)
        #expect(now.timeIntervalSince(start) > settings.giveUpAfter - settings.maxDelay)
        #expect((12...30).contains(attempts))
    }
}

/// The dispatcher against a stand-in transport: what it records for each kind of outcome.
struct WebhookDispatcherTests {
    struct Transport: WebhookTransport {
        let outcome: @Sendable () throws -> Int
        func post(url: URL, headers: [(String, String)], body: Data, timeout: Duration) async throws -> Int { try outcome() }
    }

    private func deliver(_ outcome: @escaping @Sendable () throws -> Int) async throws -> DeliveryRecord? {
        let db = try Database.open(path: nil)
        let workspaces = WorkspaceStore(db: db)
        let workspace = try await workspaces.create(name: "hooks")
        let delivery = DeliveryRecord(id: "msg_1", workspaceId: workspace.id, jobId: "task_1", url: "https://hooks.example.com/in",
                                      eventType: "task.completed", payload: Data("{}".utf8), state: .pending, attempts: 0,
                                      nextAttemptAt: Date(), lastError: nil, createdAt: Date(), deliveredAt: nil)
        try await db.write { db in try delivery.insert(db) }
        let dispatcher = WebhookDispatcher(outbox: Outbox(db: db), workspaces: workspaces, transport: Transport(outcome: outcome),
                                           metrics: ServerMetrics(), logger: .init(label: "test"), wakeup: Wakeup())
        await dispatcher.send(delivery)
        return try await Outbox(db: db).deliveries(job: "task_1").first
    }

    @Test func a2xxAnswerIsDelivered() async throws {
        let record = try #require(try await deliver { 204 })
        #expect(record.state == .delivered && record.attempts == 1 && record.deliveredAt != nil)
    }

    @Test func aServerErrorIsRetriedLater() async throws {
        let record = try #require(try await deliver { 502 })
        #expect(record.state == .pending && record.attempts == 1 && record.lastError == "HTTP 502")
        // The first retry waits 2.5–5 s (5 s with jitter) after the attempt, which came after the delivery was made.
        #expect(record.nextAttemptAt.timeIntervalSince(record.createdAt) >= 2.5)
    }

    @Test func aURLThePolicyRefusesIsGivenUpAtOnce() async throws {
        let record = try #require(try await deliver { throw URLRefusal(.notAllowed, "its host resolves to a private address (10.0.0.7)") })
        #expect(record.state == .failed && record.attempts == 1)
        #expect(record.lastError == "Webhook URL is not allowed: its host resolves to a private address (10.0.0.7).")
    }
}
