import Foundation
import GRDB

/// Workspaces, their API tokens (kept only as hashes) and their webhook endpoint.
struct WorkspaceStore: Sendable {
    let db: any DatabaseWriter

    func create(name: String, now: Date = Date()) async throws -> WorkspaceRecord {
        let workspace = WorkspaceRecord(id: ID.workspace(), name: name, webhookUrl: nil,
                                        webhookSecret: Secrets.newWebhookSecret(), createdAt: now)
        try await db.write { db in try workspace.insert(db) }
        return workspace
    }

    func workspace(id: String) async throws -> WorkspaceRecord? {
        try await db.read { db in try WorkspaceRecord.fetchOne(db, key: id) }
    }

    /// Makes a token for `workspace` and returns it; only its hash is stored, so this is the one chance to see it.
    /// - Returns: `nil` when there is no such workspace.
    func createToken(workspace: String, now: Date = Date()) async throws -> String? {
        let token = Secrets.newToken()
        let created = try await db.write { db -> Bool in
            guard try WorkspaceRecord.exists(db, key: workspace) else { return false }
            try db.execute(sql: "INSERT INTO tokens (hash, workspace_id, created_at) VALUES (?, ?, ?)",
                           arguments: [Secrets.tokenHash(token), workspace, now])
            return true
        }
        return created ? token : nil
    }

    /// The workspace a bearer token belongs to.
    func workspace(token: String) async throws -> WorkspaceRecord? {
        try await db.read { db in
            try WorkspaceRecord.fetchOne(db, sql: """
                SELECT workspaces.* FROM workspaces JOIN tokens ON tokens.workspace_id = workspaces.id WHERE tokens.hash = ?
                """, arguments: [Secrets.tokenHash(token)])
        }
    }

    func setWebhookURL(_ url: String?, workspace: String) async throws -> WorkspaceRecord? {
        try await db.write { db in
            guard var record = try WorkspaceRecord.fetchOne(db, key: workspace) else { return nil }
            record.webhookUrl = url
            try record.update(db)
            return record
        }
    }
}
