import CFFmpeg
import Foundation

/// Where a job reads its source or writes its result: a local path or an http(s) URL.
public enum MediaLocation: Sendable, Equatable, CustomStringConvertible {
    case file(String)
    case url(URL)

    /// `http://` and `https://` strings are URLs; anything else is a path.
    public init(_ string: String) {
        let lower = string.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://"), let url = URL(string: string) {
            self = .url(url)
        } else {
            self = .file(string)
        }
    }

    public var description: String {
        switch self {
        case .file(let path): path
        case .url(let url): url.absoluteString
        }
    }
}

/// The gaze redirection engine: load it once per process, then run any number of jobs, concurrently if
/// you like. The landmark model is shared read-only; each job gets its own pipeline, detector and state.
public final class GazeEngine: Sendable {
    public let configuration: EngineConfiguration
    /// The model file that was loaded.
    public let modelPath: String
    private let model: LandmarkModel

    /// Finds the landmark model and, unless the configuration defers it, loads it (about half a second).
    /// - Throws: `model_unavailable` when no model is found or it cannot be read.
    public init(configuration: EngineConfiguration = .init()) throws(GazeError) {
        self.configuration = configuration
        // libav* logs per-stream chatter to stderr by default; a library must not, so errors only.
        av_log_set_level(configuration.ffmpegLogLevel)
        modelPath = try ModelLocator.locate(explicit: configuration.modelPath)
        model = LandmarkModel(path: modelPath)
        if configuration.preloadModel { _ = try model.predictor() }
    }

    /// Redirects the gaze in `input` and writes an MP4 to `output`.
    ///
    /// The output appears only when it is complete: it is written under a temporary name and renamed (or
    /// uploaded with HTTP PUT when `output` is a URL). Cancelling the calling task stops the job within a
    /// frame or two and leaves nothing behind.
    /// - Parameter progress: called with each change of stage or percent; the percent never decreases.
    /// - Throws: `GazeError`, with a stable code.
    @discardableResult
    public func process(input: MediaLocation, output: MediaLocation, options: GazeOptions = .init(),
                        progress: @escaping @Sendable (GazeProgress) -> Void = { _ in }) async throws(GazeError) -> GazeSummary {
        try options.validate()
        let meter = ProgressMeter(downloads: isURL(input), uploads: isURL(output), report: progress)
        let staging = try staging(for: output)
        defer { try? FileManager.default.removeItem(atPath: staging) }  // a no-op once renamed into place

        let (result, stages) = try await run(input: input, output: staging, options: options, meter: meter, onFrame: nil)
        var stageSeconds = stages
        let bytes = (try? FileManager.default.attributesOfItem(atPath: staging)[.size] as? NSNumber)?.int64Value ?? 0
        let started = ContinuousClock.now
        switch output {
        case .file(let path):
            try OutputFile.publish(staging, at: path)
        case .url(let url):
            meter.update(.uploading, 0)
            try await transfer.upload(file: URL(fileURLWithPath: staging), to: url) { meter.update(.uploading, $0) }
            stageSeconds[Stage.uploading.rawValue] = seconds(since: started)
        }
        meter.finish(.encoding)
        return GazeSummary(result, outputBytes: bytes, stageSeconds: stageSeconds)
    }

    /// Runs decode → faces → eyes without writing video, handing each frame's findings to `onFrame`.
    @discardableResult
    public func analyze(input: MediaLocation, options: GazeOptions = .init(),
                        onFrame: @escaping @Sendable (FrameAnalysis) -> Void,
                        progress: @escaping @Sendable (GazeProgress) -> Void = { _ in }) async throws(GazeError) -> GazeSummary {
        try options.validate()
        let meter = ProgressMeter(downloads: isURL(input), uploads: false, report: progress)
        let (result, stages) = try await run(input: input, output: nil, options: options, meter: meter, onFrame: onFrame)
        meter.finish(.compositing)
        return GazeSummary(result, outputBytes: 0, stageSeconds: stages)
    }

    // MARK: - Job steps

    var transfer: HTTPTransfer {
        HTTPTransfer(maxDownloadBytes: configuration.limits.maxFileBytes, timeout: configuration.transferTimeout,
                     policy: configuration.addressPolicy)
    }

    /// Downloads the source when needed, then runs the pipeline on a thread of its own.
    private func run(input: MediaLocation, output: String?, options: GazeOptions, meter: ProgressMeter,
                     onFrame: (@Sendable (FrameAnalysis) -> Void)?) async throws(GazeError) -> (GazePipeline.Result, [String: Double]) {
        var stages: [String: Double] = [:]
        let source: String
        var downloaded: String?
        defer { if let downloaded { try? FileManager.default.removeItem(atPath: downloaded) } }
        switch input {
        case .file(let path):
            source = path
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            guard let size = (attributes?[.size] as? NSNumber)?.int64Value else { throw .invalidSource("The source file does not exist.") }
            guard size > 0 else { throw .invalidSource("The source file is empty.") }
            try configuration.limits.check(fileBytes: size)
        case .url(let url):
            let started = ContinuousClock.now
            let path = configuration.workDirectory.appendingPathComponent("gaze-source-\(UUID().uuidString)").path
            downloaded = path
            meter.update(.downloading, 0)
            try await transfer.download(from: url, to: URL(fileURLWithPath: path)) { meter.update(.downloading, $0 ?? 0) }
            stages[Stage.downloading.rawValue] = seconds(since: started)
            source = path
        }
        if Task.isCancelled { throw .cancelled }

        let started = ContinuousClock.now
        meter.update(.compositing, 0)
        let cancellation = CancellationFlag()
        let (model, limits) = (self.model, configuration.limits)
        let result = try await onOwnThread(cancellation) { () throws(GazeError) in
            try GazePipeline(input: source, output: output, options: options, model: model, limits: limits,
                             cancellation: cancellation, meter: meter, onFrame: onFrame).run()
        }
        stages[Stage.compositing.rawValue] = seconds(since: started)
        return (result, stages)
    }

    /// A temporary path beside the final file (so the rename is atomic), or in the work folder for uploads
    /// and devices.
    private func staging(for output: MediaLocation) throws(GazeError) -> String {
        let name = ".gaze-\(UUID().uuidString).mp4.partial"
        switch output {
        case .file(let path):
            let folder = OutputFile.stagingFolder(for: path, scratch: configuration.workDirectory)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
                throw .outputFailed("The output folder \(folder.path) does not exist.")
            }
            return folder.appendingPathComponent(name).path
        case .url:
            return configuration.workDirectory.appendingPathComponent(name).path
        }
    }
}

private func isURL(_ location: MediaLocation) -> Bool {
    if case .url = location { return true }
    return false
}

private func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// Runs blocking FFmpeg/dlib work on a dedicated thread, so it never blocks the cooperative pool, and turns
/// task cancellation into the pipeline's flag.
func onOwnThread<T: Sendable>(_ cancellation: CancellationFlag,
                              _ body: @escaping @Sendable () throws(GazeError) -> T) async throws(GazeError) -> T {
    let result: Result<T, GazeError> = await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: Result { () throws(GazeError) in try body() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    } onCancel: {
        cancellation.cancel()
    }
    return try result.get()
}
