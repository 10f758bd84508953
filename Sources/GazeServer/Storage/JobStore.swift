import Foundation
import GRDB
import GazeEngine

/// Jobs and their idempotency keys, in SQLite. Every state change is one transaction that also writes the
/// webhook delivery reporting it (the outbox), so a change is never reported without happening or the reverse.
final class JobStore: Sendable {
    let db: any DatabaseWriter
    let presenter: JobPresenter
    /// Rung after a transaction that queued a webhook delivery, so it goes out at once.
    let deliveries: Wakeup

    init(db: any DatabaseWriter, presenter: JobPresenter, deliveries: Wakeup = Wakeup()) {
        self.db = db
        self.presenter = presenter
        self.deliveries = deliveries
    }

    // MARK: - Reading

    func job(id: String, workspace: String) async throws -> JobRecord? {
        try await db.read { db in
            try JobRecord.filter(Column("id") == id && Column("workspace_id") == workspace).fetchOne(db)
        }
    }

    func job(id: String) async throws -> JobRecord? {
        try await db.read { db in try JobRecord.fetchOne(db, key: id) }
    }

    /// Newest first; `startingAfter` is the last id of the previous page. Fetches one extra row to know
    /// whether another page follows.
    func jobs(workspace: String, status: JobStatus?, limit: Int, startingAfter: String?) async throws -> (jobs: [JobRecord], hasMore: Bool) {
        try await db.read { db in
            var request = JobRecord.filter(Column("workspace_id") == workspace)
            if let status { request = request.filter(Column("status") == status) }
            if let startingAfter { request = request.filter(Column("id") < startingAfter) }
            let rows = try request.order(Column("id").desc).limit(limit + 1).fetchAll(db)
            return (Array(rows.prefix(limit)), rows.count > limit)
        }
    }

    /// Ids of jobs in `status`, oldest first.
    func jobIDs(status: JobStatus) async throws -> [String] {
        try await db.read { db in
            try String.fetchAll(db, JobRecord.select(Column("id")).filter(Column("status") == status).order(Column("id")))
        }
    }

    func counts() async throws -> [JobStatus: Int] {
        try await db.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status")
            var counts: [JobStatus: Int] = [:]
            for row in rows {
                if let status = JobStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    // MARK: - Creating, with idempotency

    enum IdempotencyOutcome: Equatable {
        /// A new key: handle the request, then `create` the job with it (or `release` it on failure).
        case proceed
        /// Same key, same body, already handled: answer with this job.
        case replay(jobID: String)
        /// Same key, still being handled by another request.
        case inFlight
        /// Same key, different body.
        case mismatch
    }

    /// How long a key is remembered.
    static let idempotencyWindow: TimeInterval = 24 * 3600
    /// A key claimed this long ago with no job is from a request that died (a crash); it may be taken over.
    static let abandonedClaim: TimeInterval = 120

    /// Claims `key` for a request whose body hashes to `requestHash`, or says why it cannot be.
    func claim(key: String, workspace: String, requestHash: String, now: Date = Date()) async throws -> IdempotencyOutcome {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE created_at < ?",
                           arguments: [now.addingTimeInterval(-Self.idempotencyWindow)])
            let existing = try Row.fetchOne(db, sql: "SELECT request_hash, job_id, created_at FROM idempotency_keys WHERE workspace_id = ? AND key = ?",
                                            arguments: [workspace, key])
            if let existing {
                let jobID: String? = existing["job_id"]
                let createdAt: Date = existing["created_at"]
                let abandoned = jobID == nil && createdAt < now.addingTimeInterval(-Self.abandonedClaim)
                if !abandoned {
                    if existing["request_hash"] != requestHash { return .mismatch }
                    return jobID.map { .replay(jobID: $0) } ?? .inFlight
                }
            }
            try db.execute(sql: "INSERT OR REPLACE INTO idempotency_keys (workspace_id, key, request_hash, job_id, created_at) VALUES (?, ?, ?, NULL, ?)",
                           arguments: [workspace, key, requestHash, now])
            return .proceed
        }
    }

    /// Forgets a claim whose request failed before a job was made, so the key can be used again.
    func release(key: String, workspace: String) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE workspace_id = ? AND key = ? AND job_id IS NULL",
                           arguments: [workspace, key])
        }
    }

    /// Inserts `job` and, in the same transaction, ties the idempotency key to it.
    func create(_ job: JobRecord, idempotencyKey: String?) async throws {
        try await db.write { db in
            try job.insert(db)
            if let idempotencyKey {
                try db.execute(sql: "UPDATE idempotency_keys SET job_id = ? WHERE workspace_id = ? AND key = ?",
                               arguments: [job.id, job.workspaceId, idempotencyKey])
            }
        }
    }

    /// Jobs not yet finished (waiting to download, downloading or waiting for a slot): what the queue holds.
    func pendingCount() async throws -> Int {
        try await db.read { db in
            try JobRecord.filter([JobStatus.ingesting, .queued].contains(Column("status"))).fetchCount(db)
        }
    }

    // MARK: - Changing

    /// Applies `change` to job `id` if its status is one of `from`, in one transaction that also queues
    /// `event` (if any) for the job's webhook. Returns the updated job, or `nil` when the job is not in one
    /// of those states (someone else got there first: a cancel, a finish).
    @discardableResult
    func update(_ id: String, from: Set<JobStatus>, event: WebhookEventType? = nil, now: Date = Date(),
                _ change: @escaping @Sendable (inout JobRecord) -> Void) async throws -> JobRecord? {
        let updated = try await db.write { [presenter] db -> JobRecord? in
            guard var job = try JobRecord.fetchOne(db, key: id), from.contains(job.status) else { return nil }
            let before = job
            change(&job)
            if job.status != before.status { job.updatedAt = now }
            if job.status.isTerminal, job.completedAt == nil { job.completedAt = now }
            try job.update(db)
            if let event, let url = try Self.webhookURL(for: job, db) {
                let delivery = DeliveryRecord(
                    id: ID.message(), workspaceId: job.workspaceId, jobId: job.id, url: url, eventType: event.rawValue,
                    payload: presenter.eventPayload(event, job: job, now: now), state: .pending, attempts: 0,
                    nextAttemptAt: now, lastError: nil, createdAt: now, deliveredAt: nil)
                try delivery.insert(db)
            }
            return job
        }
        if updated != nil, event != nil { deliveries.ring() }
        return updated
    }

    /// The job's own webhook URL, else its workspace's, else none.
    private static func webhookURL(for job: JobRecord, _ db: GRDB.Database) throws -> String? {
        if let url = job.webhookUrl { return url }
        return try String.fetchOne(db, sql: "SELECT webhook_url FROM workspaces WHERE id = ?", arguments: [job.workspaceId])
    }
}
