/// What a finished job produced.
public struct GazeSummary: Sendable, Codable, Equatable {
    public var width: Int
    public var height: Int
    /// Output duration in seconds.
    public var duration: Double
    public var frames: Int
    public var framesWithFace: Int
    /// Size of the written MP4 in bytes (0 for analysis only).
    public var outputBytes: Int64
    /// Wall seconds per reported stage (`downloading`, `compositing`, `encoding`, `uploading`).
    public var stageSeconds: [String: Double]
    /// Wall seconds inside the frame loop per kind of work (`decode`, `detect`, `landmarks`, `iris`, `warp`, `encode`).
    public var workSeconds: [String: Double]

    enum CodingKeys: String, CodingKey {
        case width, height, duration, frames
        case framesWithFace = "frames_with_face"
        case outputBytes = "output_bytes"
        case stageSeconds = "stage_seconds"
        case workSeconds = "work_seconds"
    }
}
