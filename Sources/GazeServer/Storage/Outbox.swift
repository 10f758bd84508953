import Foundation
import GRDB

/// The webhook deliveries waiting to be sent, and what became of each attempt.
struct Outbox: Sendable {
    let db: any DatabaseWriter

    /// Pending deliveries whose time has come, oldest first.
    func due(now: Date = Date(), limit: Int = 32) async throws -> [DeliveryRecord] {
        try await db.read { db in
            try DeliveryRecord.filter(Column("state") == DeliveryRecord.State.pending && Column("next_attempt_at") <= now)
                .order(Column("next_attempt_at"), Column("id")).limit(limit).fetchAll(db)
        }
    }

    /// When the next pending delivery falls due, if any.
    func nextDue() async throws -> Date? {
        try await db.read { db in
            try Date.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'")
        }
    }

    func delivered(_ id: String, attempts: Int, now: Date = Date()) async throws {
        try await db.write { db in
            try db.execute(sql: "UPDATE webhook_deliveries SET state = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL WHERE id = ?",
                           arguments: [attempts, now, id])
        }
    }

    /// Records a failed attempt: tried again at `retryAt`, or given up when that is `nil`.
    func attemptFailed(_ id: String, attempts: Int, error: String, retryAt: Date?) async throws {
        try await db.write { db in
            if let retryAt {
                try db.execute(sql: "UPDATE webhook_deliveries SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
                               arguments: [attempts, error, retryAt, id])
            } else {
                try db.execute(sql: "UPDATE webhook_deliveries SET state = 'failed', attempts = ?, last_error = ? WHERE id = ?",
                               arguments: [attempts, error, id])
            }
        }
    }

    func deliveries(job: String) async throws -> [DeliveryRecord] {
        try await db.read { db in try DeliveryRecord.filter(Column("job_id") == job).order(Column("id")).fetchAll(db) }
    }
}
