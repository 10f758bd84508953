import Foundation

/// A benchmark input clip, made from the committed fixtures with the ffmpeg CLI.
struct BenchInput: Codable {
    var name: String
    var path: String
    var seconds: Int
}

/// Builds the inputs once (kept between runs): H.264 talking-head clips with an AAC track, as phones and
/// webcams deliver them — 1080p30 landscape, 720p, 1080×1920 vertical, and two lengths for the memory check.
enum BenchInputs {
    /// Makes the clips `wanted` names (all when `nil`), and the memory pair when `memory` is set.
    static func make(fixtures: URL, folder: URL, seconds: Int, smoke: Bool, wanted: Set<String>?, memory withMemory: Bool)
        throws -> (clips: [BenchInput], memory: [BenchInput]) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let webcam = fixtures.appendingPathComponent("v02_nvvfx_webcam_looking_sideways_1080p.mp4").path
        let frontal = fixtures.appendingPathComponent("v01_nvvfx_webcam_frontal_1080p.mp4").path
        let twoPeople = fixtures.appendingPathComponent("v10_pexels_two_people_looking_down.mp4").path
        if smoke {
            return ([try clip("smoke-360p", from: webcam, filter: "scale=640:360", seconds: 2, folder: folder)], [])
        }
        let recipes = [
            ("1080p30", webcam, "fps=30"),
            ("720p", twoPeople, "fps=25"),
            ("vertical-1080x1920", frontal, "crop=608:1080,scale=1080:1920,fps=30"),
        ]
        let clips = try recipes.filter { wanted?.contains($0.0) ?? true }
            .map { try clip($0.0, from: $0.1, filter: $0.2, seconds: seconds, folder: folder) }
        let memory = withMemory ? [
            try clip("1080p30-10s", from: webcam, filter: "fps=30", seconds: 10, folder: folder),
            try clip("1080p30-60s", from: webcam, filter: "fps=30", seconds: 60, folder: folder),
        ] : []
        return (clips, memory)
    }

    private static func clip(_ name: String, from source: String, filter: String, seconds: Int, folder: URL) throws -> BenchInput {
        let path = folder.appendingPathComponent("\(name).mp4").path
        if !FileManager.default.fileExists(atPath: path) {
            FileHandle.standardError.write(Data("bench: making \(name) (\(seconds) s)\n".utf8))
            let partial = path + ".partial.mp4"
            let result = try Measured.run([
                "ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", "-1", "-i", source,
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "\(seconds)",
                "-map", "0:v:0", "-map", "1:a:0", "-vf", filter, "-c:v", "libx264", "-preset", "veryfast", "-crf", "16",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", partial,
            ], stdoutTo: folder.appendingPathComponent("ffmpeg.log"))
            guard result.status == 0 else { throw BenchError("ffmpeg could not make \(name)") }
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        }
        return BenchInput(name: name, path: path, seconds: seconds)
    }
}
