import Foundation

/// What the admin commands do, on the same data folder `serve` uses (safe while it runs: SQLite in WAL mode).
public enum GazeServerAdmin {
    /// Creates a workspace and returns its id.
    public static func createWorkspace(name: String, data: URL) async throws -> String {
        try await stores(data).create(name: name).id
    }

    /// Creates an API token for `workspace` and returns it (it is not stored, only its hash).
    public static func createToken(workspace: String, data: URL) async throws -> String {
        guard let token = try await stores(data).createToken(workspace: workspace) else {
            throw ServerError("No workspace \(workspace) in \(data.path).")
        }
        return token
    }

    private static func stores(_ data: URL) throws -> WorkspaceStore {
        let files = JobFiles(root: data)
        try files.prepare()
        return WorkspaceStore(db: try Database.open(path: files.database.path))
    }
}
