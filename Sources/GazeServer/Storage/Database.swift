import Foundation
import GRDB

/// Opens the server's SQLite database and brings its schema up to date.
enum Database {
    /// - Parameter path: the database file, or `nil` for a private in-memory database (tests).
    static func open(path: String?) throws -> any DatabaseWriter {
        var configuration = Configuration()
        // Writers wait for each other instead of failing with SQLITE_BUSY.
        configuration.busyMode = .timeout(10)
        let writer: any DatabaseWriter
        if let path {
            writer = try DatabasePool(path: path, configuration: configuration)  // WAL: readers never wait for the writer
        } else {
            writer = try DatabaseQueue(configuration: configuration)
        }
        try migrator.migrate(writer)
        return writer
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "workspaces") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("webhook_url", .text)
                t.column("webhook_secret", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "tokens") { t in
                t.primaryKey("hash", .text)
                t.column("workspace_id", .text).notNull().references("workspaces")
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "jobs") { t in
                t.primaryKey("id", .text)
                t.column("workspace_id", .text).notNull().references("workspaces")
                t.column("status", .text).notNull()
                t.column("progress_percent", .integer).notNull()
                t.column("progress_stage", .text)
                t.column("source_url", .text).notNull()
                t.column("webhook_url", .text)
                t.column("intensity", .double).notNull()
                t.column("metadata", .jsonText).notNull()
                t.column("output_width", .integer)
                t.column("output_height", .integer)
                t.column("output_duration", .double)
                t.column("output_bytes", .integer)
                t.column("error_code", .text)
                t.column("error_message", .text)
                t.column("attempts", .integer).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
                t.column("completed_at", .datetime)
            }
            try db.create(index: "jobs_by_workspace", on: "jobs", columns: ["workspace_id", "id"])
            try db.create(index: "jobs_by_status", on: "jobs", columns: ["status", "id"])
            try db.create(table: "idempotency_keys") { t in
                t.column("workspace_id", .text).notNull()
                t.column("key", .text).notNull()
                t.column("request_hash", .text).notNull()
                t.column("job_id", .text)  // NULL while the first request is being handled
                t.column("created_at", .datetime).notNull()
                t.primaryKey(["workspace_id", "key"])
            }
            try db.create(table: "webhook_deliveries") { t in
                t.primaryKey("id", .text)
                t.column("workspace_id", .text).notNull()
                t.column("job_id", .text).notNull()
                t.column("url", .text).notNull()
                t.column("event_type", .text).notNull()
                t.column("payload", .blob).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("next_attempt_at", .datetime).notNull()
                t.column("last_error", .text)
                t.column("created_at", .datetime).notNull()
                t.column("delivered_at", .datetime)
            }
            try db.create(index: "deliveries_due", on: "webhook_deliveries", columns: ["state", "next_attempt_at"])
        }
        return migrator
    }
}
