/// What a finished job produced.
public struct GazeSummary: Sendable, Codable, Equatable {
    public var width: Int
    public var height: Int
    /// Output duration in seconds.
    public var duration: Double
    public var frames: Int
    /// Frames in which at least one face was found; `nil` at intensity 0, where faces are not looked for.
    public var framesWithFace: Int?
    /// Size of the written MP4 in bytes (0 for analysis only).
    public var outputBytes: Int64
    /// Wall seconds per reported stage (`downloading`, `compositing`, `encoding`, `uploading`).
    public var stageSeconds: [String: Double]
    /// Wall seconds inside the frame loop per kind of work (`decode`, `detect`, `landmarks`, `iris`, `warp`, `encode`).
    public var workSeconds: [String: Double]

    init(_ result: GazePipeline.Result, outputBytes: Int64, stageSeconds: [String: Double]) {
        width = result.width
        height = result.height
        duration = result.duration
        frames = result.frames
        framesWithFace = result.framesWithFace
        self.outputBytes = outputBytes
        self.stageSeconds = stageSeconds
        workSeconds = result.work.seconds
    }

    enum CodingKeys: String, CodingKey {
        case width, height, duration, frames
        case framesWithFace = "frames_with_face"
        case outputBytes = "output_bytes"
        case stageSeconds = "stage_seconds"
        case workSeconds = "work_seconds"
    }

    /// Writes every key, `frames_with_face` as null when faces were not looked for: a stable shape for clients.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(duration, forKey: .duration)
        try container.encode(frames, forKey: .frames)
        try container.encode(framesWithFace, forKey: .framesWithFace)
        try container.encode(outputBytes, forKey: .outputBytes)
        try container.encode(stageSeconds, forKey: .stageSeconds)
        try container.encode(workSeconds, forKey: .workSeconds)
    }
}
