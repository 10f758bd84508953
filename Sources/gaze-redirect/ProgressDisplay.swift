import Foundation
import GazeEngine
import Synchronization

/// Shows engine progress on standard error: a redrawn bar on a terminal, or one JSON object per line.
final class ProgressDisplay: Sendable {
    private let style: ProgressStyle
    private let drawn = Mutex(false)

    init(style: ProgressStyle) {
        self.style = style
    }

    @Sendable func show(_ progress: GazeProgress) {
        switch style {
        case .json:
            let line = "{\"stage\":\"\(progress.stage.rawValue)\",\"percent\":\(progress.percent)}\n"
            FileHandle.standardError.write(Data(line.utf8))
        case .bar:
            let width = 30
            let filled = progress.percent * width / 100
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let line = "\r\(bar) \(String(format: "%3d", progress.percent))%  \(progress.stage.rawValue)\u{1B}[K"
            drawn.withLock { $0 = true }
            FileHandle.standardError.write(Data(line.utf8))
        case .auto, .none:
            break
        }
    }

    /// Ends the bar's line so later output starts on a fresh one.
    func done() {
        if drawn.withLock({ $0 }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Writes `--analyze` records as JSON Lines to a file (published whole at the end) or to standard output.
final class AnalysisSink: Sendable {
    private let handle: FileHandle
    private let staging: String?
    private let destination: String
    private let encoder: Mutex<JSONEncoder> = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase  // the same key style as the summary and the API
        encoder.outputFormatting = [.sortedKeys]  // the same text from run to run, so two analyses diff line by line
        return Mutex(encoder)
    }()

    init(path: String) throws(GazeError) {
        destination = path
        if path == "-" {
            handle = .standardOutput
            staging = nil
            return
        }
        let temporary = OutputFile.stagingFolder(for: path, scratch: FileManager.default.temporaryDirectory)
            .appendingPathComponent(".gaze-analysis-\(UUID().uuidString).partial").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let file = FileHandle(forWritingAtPath: temporary) else {
            throw GazeError(.outputFailed, "The analysis file \(path) could not be created.")
        }
        handle = file
        staging = temporary
    }

    deinit {
        if let staging { try? FileManager.default.removeItem(atPath: staging) }
    }

    @Sendable func write(_ frame: FrameAnalysis) {
        guard let data = encoder.withLock({ try? $0.encode(frame) }) else { return }
        handle.write(data + Data("\n".utf8))
    }

    func finish() throws(GazeError) {
        guard let staging else { return }
        try? handle.close()
        try OutputFile.publish(staging, at: destination)
    }
}

/// Runs `body` so that an interrupt (Ctrl-C) or SIGTERM cancels it cleanly instead of killing the process:
/// the engine then removes its partial output and the command exits with `cancelled`.
func withInterruptCancellation<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let task = Task { try await body() }
    var sources: [DispatchSourceSignal] = []
    for signalNumber in [SIGINT, SIGTERM] {
        signal(signalNumber, SIG_IGN)  // the dispatch source replaces the default handler
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler { task.cancel() }
        source.resume()
        sources.append(source)
    }
    defer { sources.forEach { $0.cancel() } }
    return try await task.value
}
