/// A product-level failure with a stable code, as the job server reports it in `error.code`.
///
/// Lower layers (FFmpeg, dlib, HTTP) map their failures into one of these once; the message is written
/// for the person who submitted the video.
public struct GazeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        /// Missing file, unreachable or failing URL, not a video, no video stream, undecodable.
        case invalidSource = "invalid_source"
        /// A real video the engine will not take: beyond the configured limits, or a format it cannot handle.
        case unsupportedMedia = "unsupported_media"
        /// The landmark model could not be found or loaded.
        case modelUnavailable = "model_unavailable"
        /// The output could not be written, encoded or uploaded.
        case outputFailed = "output_failed"
        /// The caller cancelled the job.
        case cancelled = "cancelled"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func invalidSource(_ message: String) -> GazeError { GazeError(.invalidSource, message) }
    public static func unsupportedMedia(_ message: String) -> GazeError { GazeError(.unsupportedMedia, message) }
    public static func modelUnavailable(_ message: String) -> GazeError { GazeError(.modelUnavailable, message) }
    public static func outputFailed(_ message: String) -> GazeError { GazeError(.outputFailed, message) }
    public static let cancelled = GazeError(.cancelled, "The job was cancelled.")
}
