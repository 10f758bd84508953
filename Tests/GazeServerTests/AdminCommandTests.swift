import Foundation
import GazeTestSupport
import Testing

/// `gaze-server` as an operator runs it: the built binary.
struct AdminCommandTests {
    static let binary = builtProduct("gaze-server", override: "GAZE_SERVER_BINARY")

    @Test func workspaceAndTokenCommandsPrintTheirResultAsTheLastLine() async throws {
        let binary = try #require(Self.binary, "gaze-server was not found beside the test bundle; set GAZE_SERVER_BINARY")
        let data = try makeTemporaryFolder("GazeServerAdmin")
        defer { try? FileManager.default.removeItem(at: data) }

        let workspace = try await runProcess(binary, ["workspace", "create", "Acme Corp", "--data", data.path])
        #expect(workspace.status == 0, "\(workspace.stderr)")
        let id = try #require(workspace.stdoutText.split(separator: "\n").last.map(String.init))
        #expect(id.hasPrefix("ws_") && id.count == 29)

        let token = try await runProcess(binary, ["token", "create", "--workspace", id, "--data", data.path])
        #expect(token.status == 0, "\(token.stderr)")
        let secret = try #require(token.stdoutText.split(separator: "\n").last.map(String.init))
        #expect(secret.hasPrefix("gz_") && secret.count > 40)
        // The data folder holds the database, and the token only as its hash.
        let database = try Data(contentsOf: data.appendingPathComponent("gaze.sqlite"))
        #expect(database.range(of: Data(secret.utf8)) == nil)

        let unknown = try await runProcess(binary, ["token", "create", "--workspace", "ws_missing", "--data", data.path])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("No workspace ws_missing"))
    }

    @Test func helpNamesEveryCommandAndServeOption() async throws {
        let binary = try #require(Self.binary)
        let help = try await runProcess(binary, ["--help"])
        for word in ["serve", "workspace", "token"] { #expect(help.stdoutText.contains(word)) }
        let serve = try await runProcess(binary, ["serve", "--help"])
        for option in ["--host", "--port", "--data", "--allow-private-urls", "--slots", "--queue-capacity", "--max-source-bytes"] {
            #expect(serve.stdoutText.contains(option), "serve --help lacks \(option)")
        }
        let bad = try await runProcess(binary, ["serve", "--port", "70000"])
        #expect(bad.status != 0)
    }
}
