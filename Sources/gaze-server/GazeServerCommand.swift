import ArgumentParser
import Foundation
import GazeServer
import Logging

@main
struct GazeServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gaze-server",
        abstract: "The GazeRedirect HTTP API: durable gaze-redirect jobs, signed webhooks and signed output URLs.",
        discussion: """
            Start with `gaze-server serve`, then make a workspace and a token for it:
              gaze-server workspace create "Acme"
              gaze-server token create --workspace ws_…
            Every command keeps its state in the --data folder (default ./gaze-data).
            """,
        subcommands: [Serve.self, Workspace.self, Token.self])
}

struct DataOption: ParsableArguments {
    @Option(name: .long, help: "Folder holding the database, sources and outputs.")
    var data: String = "gaze-data"

    var url: URL { URL(fileURLWithPath: data, isDirectory: true) }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the API server and its job workers.")

    @OptionGroup var data: DataOption
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Option(name: .customLong("public-url"), help: "Base of the artifact URLs handed out (default http://HOST:PORT).")
    var publicURL: String?
    @Option(help: "Jobs processed at once (default: one per two cores).") var slots = ServerConfiguration.defaultSlots
    @Option(help: "Downloads at once.") var downloads = 4
    @Option(name: .customLong("queue-capacity"), help: "Waiting jobs before submissions are answered 429.") var queueCapacity = 100
    @Option(name: .customLong("max-source-bytes"), help: "Largest source accepted, in bytes.") var maxSourceBytes: Int64 = 2 << 30
    @Flag(name: .customLong("allow-private-urls"), help: "Allow source and webhook URLs on private and loopback addresses (development only).")
    var allowPrivateURLs = false
    @Option(help: "Landmark model file (default: GAZE_MODEL, ./Models, /usr/share/dlib).") var model: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        guard slots >= 1, downloads >= 1, queueCapacity >= 1 else { throw ValidationError("--slots, --downloads and --queue-capacity must be at least 1.") }
        guard maxSourceBytes > 0 else { throw ValidationError("--max-source-bytes must be positive.") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("Unknown --log-level \(logLevel).") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gaze-server")
        let configuration = ServerConfiguration(
            host: host, port: port, dataDirectory: data.url, publicURL: publicURL, slots: slots, downloads: downloads,
            queueCapacity: queueCapacity, maxSourceBytes: maxSourceBytes, allowPrivateURLs: allowPrivateURLs, modelPath: model)
        let app = try await GazeServerApp.build(configuration, logger: logger)
        try await app.runService()
    }
}

struct Workspace: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage workspaces.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a workspace; prints its id as the last line.")
        @OptionGroup var data: DataOption
        @Argument(help: "A name for the workspace.") var name: String

        func run() async throws {
            let id = try await GazeServerAdmin.createWorkspace(name: name, data: data.url)
            print("Created workspace \"\(name)\".")
            print(id)
        }
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage API tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token; prints it, once, as the last line.")
        @OptionGroup var data: DataOption
        @Option(help: "The workspace the token acts for (ws_…).") var workspace: String

        func run() async throws {
            let token = try await GazeServerAdmin.createToken(workspace: workspace, data: data.url)
            print("Token for \(workspace) (shown once; only its hash is stored):")
            print(token)
        }
    }
}
