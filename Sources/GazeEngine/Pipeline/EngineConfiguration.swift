import Foundation

/// Per-job choices: how strong the correction is and how the output is encoded.
public struct GazeOptions: Sendable, Equatable, Codable {
    public var correction: CorrectionSettings
    public var encoder: EncoderSettings
    public var detection: DetectionSettings
    /// Write a preview of the work instead of the plain result (`nil`: the result).
    public var preview: PreviewMode?

    public init(correction: CorrectionSettings = .init(), encoder: EncoderSettings = .init(), detection: DetectionSettings = .init(),
                preview: PreviewMode? = nil) {
        self.correction = correction
        self.encoder = encoder
        self.detection = detection
        self.preview = preview
    }

    /// Shorthand for the common case: default settings at `intensity`.
    public init(intensity: Double) {
        self.init(correction: CorrectionSettings(intensity: intensity))
    }

    /// Rejects settings no job could run with, before any work starts.
    func validate() throws(GazeError) {
        if let problem = correction.problem { throw GazeError(.unsupportedMedia, "Invalid setting: \(problem)") }
        if !(0...51).contains(encoder.crf) { throw GazeError(.unsupportedMedia, "Invalid setting: CRF must be between 0 and 51.") }
        if !EncoderSettings.presets.contains(encoder.preset) {
            throw GazeError(.unsupportedMedia, "Invalid setting: unknown x264 preset \"\(encoder.preset)\".")
        }
        if let problem = detection.problem { throw GazeError(.unsupportedMedia, "Invalid setting: \(problem)") }
    }
}

/// What the engine accepts; a service sets these to its plan's limits.
public struct EngineLimits: Sendable, Equatable, Codable {
    public var maxWidth: Int
    public var maxHeight: Int
    public var maxDurationSeconds: Double
    public var maxFileBytes: Int64

    public init(maxWidth: Int = 4096, maxHeight: Int = 4096, maxDurationSeconds: Double = 3 * 3600,
                maxFileBytes: Int64 = 2 << 30) {
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
        self.maxDurationSeconds = maxDurationSeconds
        self.maxFileBytes = maxFileBytes
    }

    func check(width: Int, height: Int, duration: Double) throws(GazeError) {
        guard width > 0, height > 0 else { throw .invalidSource("The video stream has no picture size.") }
        if width > maxWidth || height > maxHeight {
            throw .unsupportedMedia("The video is \(width)×\(height); the limit is \(maxWidth)×\(maxHeight).")
        }
        if duration > maxDurationSeconds {
            throw .unsupportedMedia("The video lasts \(Int(duration)) s; the limit is \(Int(maxDurationSeconds)) s.")
        }
    }

    func check(fileBytes: Int64) throws(GazeError) {
        if fileBytes > maxFileBytes {
            throw .unsupportedMedia("The source is \(fileBytes) bytes; the limit is \(maxFileBytes) bytes.")
        }
    }
}

/// Process-wide engine settings.
public struct EngineConfiguration: Sendable {
    /// An explicit landmark model path; `nil` searches the usual places (see `ModelLocator`).
    public var modelPath: String?
    public var limits: EngineLimits
    /// Where sources are downloaded and outputs staged before upload; the system temporary folder by default.
    public var workDirectory: URL
    /// Timeout for a whole download or upload.
    public var transferTimeout: Duration
    /// Load the landmark model when the engine is made (the default: a bad model fails at start-up), or
    /// only when a job first needs it (a tool that may run only intensity-0 jobs saves the half second).
    public var preloadModel: Bool
    /// libav* log level for the process (`AV_LOG_ERROR` = 16 by default; 32 shows encoder statistics).
    public var ffmpegLogLevel: Int32
    /// Which hosts source downloads and output uploads may reach: everything by default (a tool run by the
    /// person it fetches for); `.publicOnly` for a server that fetches URLs its users supply.
    public var addressPolicy: AddressPolicy

    public init(modelPath: String? = nil, limits: EngineLimits = .init(),
                workDirectory: URL = FileManager.default.temporaryDirectory, transferTimeout: Duration = .seconds(3600),
                ffmpegLogLevel: Int32 = 16, preloadModel: Bool = true, addressPolicy: AddressPolicy = .allowAll) {
        self.modelPath = modelPath
        self.limits = limits
        self.workDirectory = workDirectory
        self.transferTimeout = transferTimeout
        self.ffmpegLogLevel = ffmpegLogLevel
        self.preloadModel = preloadModel
        self.addressPolicy = addressPolicy
    }
}

/// Finds the 68-point landmark model: explicit path → `GAZE_MODEL` → `Models/` → `/usr/share/dlib`.
public enum ModelLocator {
    public static let fileName = "shape_predictor_68_face_landmarks.dat"
    public static let environmentVariable = "GAZE_MODEL"

    /// The places searched, in order, for `explicit` and the current environment.
    public static func candidates(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        if let explicit { return [explicit] }
        var paths: [String] = []
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { paths.append(fromEnvironment) }
        paths.append(FileManager.default.currentDirectoryPath + "/Models/" + fileName)
        paths.append("/usr/share/dlib/" + fileName)
        return paths
    }

    /// The first candidate that exists.
    /// - Throws: `model_unavailable` naming every place searched.
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(GazeError) -> String {
        let paths = candidates(explicit: explicit, environment: environment)
        if let found = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        throw .modelUnavailable("The landmark model \(fileName) was not found (looked in: \(paths.joined(separator: ", "))). "
            + "Install Debian's libdlib-data or pass its path.")
    }
}
