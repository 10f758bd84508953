import ArgumentParser
import Foundation
import GazeEngine

@main
struct GazeRedirect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gaze-redirect",
        abstract: "Make the person in a video look into the camera.",
        discussion: """
            Reads any video FFmpeg can decode (a file or an http(s) URL) and writes an MP4 (H.264, yuv420p, \
            +faststart) in which the eyes are redirected toward the lens. Audio is copied when MP4 can hold it, \
            otherwise converted to AAC. OUTPUT may be an http(s) URL, which receives the file by HTTP PUT.

            Progress goes to standard error; --json prints a summary on standard output.

            Exit status: 0 when OUTPUT was written whole; 1 unexpected failure; 3 invalid_source; \
            4 unsupported_media; 5 model_unavailable; 6 output_failed; 130 cancelled (interrupt); \
            64 bad usage. Errors print as "error: <code>: <message>".
            """)

    @Argument(help: "The input video: a file path or an http(s) URL.")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the MP4 (or, with --analyze, the JSON Lines; '-' for stdout).")
    var output: String

    @Option(help: "Correction strength: 0 leaves the video unchanged, 1 is full eye contact.")
    var intensity: Double = 1

    @Option(help: "x264 constant rate factor, 0–51 (lower is better quality, bigger files).")
    var crf: Double = EncoderSettings().crf

    @Option(help: "x264 preset: ultrafast … veryslow.")
    var preset: String = EncoderSettings().preset

    @Option(help: "Progress display: auto (a bar on a terminal), bar, json (one object per line), none.")
    var progress: ProgressStyle = .auto

    @Flag(help: "Print a JSON summary of the result on standard output.")
    var json = false

    @Flag(help: "Write per-frame analysis (faces, eye landmarks, iris centres, gaze, gate weight, blinks) as JSON Lines instead of video.")
    var analyze = false

    @Option(help: "Write a preview instead of the plain result: split (input left, output right) or overlay (landmarks, iris centres and correction weight drawn on the output).")
    var preview: PreviewMode?

    @Option(help: "Path to the 68-point landmark model (default: $GAZE_MODEL, ./Models/, /usr/share/dlib/).")
    var model: String?

    @Option(help: "Gaze up to this many degrees off the lens is corrected fully.")
    var fullCorrectionBelow: Double = CorrectionSettings().fullCorrectionBelowDegrees

    @Option(help: "Gaze beyond this many degrees off the lens is left alone (look-away kept).")
    var noCorrectionBeyond: Double = CorrectionSettings().noCorrectionBeyondDegrees

    @Option(help: "A head turned up to this many degrees from the camera is corrected fully.")
    var headTurnFullBelow: Double = CorrectionSettings().headTurnFullBelowDegrees

    @Option(help: "A head turned beyond this many degrees is left alone.")
    var headTurnNoneBeyond: Double = CorrectionSettings().headTurnNoneBeyondDegrees

    @Option(help: "Aim this many degrees below the lens, where eye contact feels most natural.")
    var targetBelowLens: Double = CorrectionSettings().targetBelowLensDegrees

    @Option(help: "Leave alone faces narrower than this share of the widest face (people in the background); 0 corrects every face.")
    var backgroundFaceShare: Double = CorrectionSettings().backgroundFaceShare

    @Option(help: "Find faces down to this many pixels wide (smaller costs more detection time on large frames).")
    var smallestFace: Int = DetectionSettings().smallestFace

    @Flag(name: [.customShort("n"), .long], help: "Never overwrite OUTPUT; fail if it exists.")
    var noOverwrite = false

    @Flag(name: .shortAndLong, help: "Show FFmpeg's own warnings and encoder statistics on standard error.")
    var verbose = false

    var options: GazeOptions {
        GazeOptions(
            correction: CorrectionSettings(intensity: intensity, fullCorrectionBelowDegrees: fullCorrectionBelow,
                                           noCorrectionBeyondDegrees: noCorrectionBeyond,
                                           headTurnFullBelowDegrees: headTurnFullBelow, headTurnNoneBeyondDegrees: headTurnNoneBeyond,
                                           targetBelowLensDegrees: targetBelowLens, backgroundFaceShare: backgroundFaceShare),
            encoder: EncoderSettings(crf: crf, preset: preset), detection: DetectionSettings(smallestFace: smallestFace),
            preview: preview)
    }

    func validate() throws {
        if let problem = options.correction.problem { throw ValidationError(problem) }
        guard (0...51).contains(crf) else { throw ValidationError("--crf must be between 0 and 51.") }
        if let problem = options.detection.problem { throw ValidationError(problem) }
        guard EncoderSettings.presets.contains(preset) else {
            throw ValidationError("--preset must be one of: \(EncoderSettings.presets.joined(separator: ", ")).")
        }
        if analyze, output.lowercased().hasPrefix("http") { throw ValidationError("--analyze writes to a file or '-'.") }
        if analyze, preview != nil { throw ValidationError("--preview makes a video; --analyze writes no video.") }
        if noOverwrite, FileManager.default.fileExists(atPath: output) {
            throw ValidationError("\(output) exists and --no-overwrite was given.")
        }
    }

    func run() async throws {
        let display = ProgressDisplay(style: progress.resolved)
        do {
            // FFmpeg's own log lines would interleave with the progress and the one-line error; -v shows them.
            // One job per process: load the model only if this job looks at faces (not for intensity 0).
            let engine = try GazeEngine(configuration: EngineConfiguration(
                modelPath: model, ffmpegLogLevel: verbose ? 32 : -8, preloadModel: analyze || intensity > 0 || preview != nil))
            let summary = try await withInterruptCancellation {
                if analyze {
                    try await runAnalysis(engine, display: display)
                } else {
                    try await engine.process(input: MediaLocation(input), output: MediaLocation(output), options: options,
                                             progress: display.show)
                }
            }
            display.done()
            if json {
                print(String(decoding: try summaryEncoder.encode(summary), as: UTF8.self))
            } else if progress.resolved != .json, output != "-" {
                FileHandle.standardError.write(Data("wrote \(analyze ? "analysis" : "video") to \(output)\n".utf8))
            }
        } catch let error as GazeError {
            display.done()
            FileHandle.standardError.write(Data("error: \(error.code.rawValue): \(error.message)\n".utf8))
            throw ExitCode(error.code.exitStatus)
        }
    }

    private func runAnalysis(_ engine: GazeEngine, display: ProgressDisplay) async throws(GazeError) -> GazeSummary {
        let sink = try AnalysisSink(path: output)
        let summary = try await engine.analyze(input: MediaLocation(input), options: options,
                                               onFrame: sink.write, progress: display.show)
        try sink.finish()
        return summary
    }
}

let summaryEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
}()

enum ProgressStyle: String, ExpressibleByArgument, CaseIterable {
    case auto, bar, json, none

    /// `auto` is a bar when standard error is a terminal, else nothing.
    var resolved: ProgressStyle {
        guard self == .auto else { return self }
        return isatty(STDERR_FILENO) == 1 ? .bar : .none
    }
}

extension GazeError.Code {
    /// The CLI's exit status for each error code (documented in `--help`).
    var exitStatus: Int32 {
        switch self {
        case .invalidSource: 3
        case .unsupportedMedia: 4
        case .modelUnavailable: 5
        case .outputFailed: 6
        case .cancelled: 130
        }
    }
}

extension PreviewMode: ExpressibleByArgument {}
