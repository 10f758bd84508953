import Foundation

/// Runs the four contenders on one input and summarises them.
struct Runner {
    enum Kind: String, CaseIterable, Codable {
        case ffmpeg, intensity0, intensity1, analysis
    }

    var binary: String
    var folder: URL
    var crf: Int

    func arguments(_ kind: Kind, _ input: BenchInput, preset: String) -> [String] {
        let output = folder.appendingPathComponent("outputs/\(input.name).\(preset).\(kind.rawValue)").path
        switch kind {
        case .ffmpeg:
            // -fps_mode passthrough: every frame and timestamp kept, as the engine keeps them.
            return ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", input.path, "-fps_mode", "passthrough", "-map", "0:v:0", "-map", "0:a:0?",
                    "-c:v", "libx264", "-preset", preset, "-crf", "\(crf)", "-pix_fmt", "yuv420p", "-c:a", "copy",
                    "-movflags", "+faststart", output + ".mp4"]
        case .intensity0, .intensity1:
            return [binary, input.path, "-o", output + ".mp4", "--intensity", kind == .intensity0 ? "0" : "1",
                    "--preset", preset, "--crf", "\(crf)", "--progress", "none", "--json"]
        case .analysis:
            return [binary, input.path, "-o", output + ".jsonl", "--analyze", "--progress", "none", "--json"]
        }
    }

    func once(_ kind: Kind, _ input: BenchInput, preset: String) throws -> (Measured, Summary?) {
        let measured = try Measured.run(arguments(kind, input, preset: preset), stdoutTo: folder.appendingPathComponent("stdout.txt"))
        guard measured.status == 0 else { throw BenchError("\(kind.rawValue) failed on \(input.name) (exit \(measured.status))") }
        return (measured, kind == .ffmpeg ? nil : try JSONDecoder().decode(Summary.self, from: measured.stdout))
    }

    /// Alternates a, b, c, d (rotating the order each round so none always runs first).
    func compare(_ input: BenchInput, preset: String, rounds: Int) throws -> Row {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("outputs"), withIntermediateDirectories: true)
        var results: [Kind: [(Measured, Summary?)]] = [:]
        for round in 0..<rounds {
            let order = Kind.allCases.indices.map { Kind.allCases[($0 + round) % Kind.allCases.count] }
            for kind in order { results[kind, default: []].append(try once(kind, input, preset: preset)) }
        }
        let frames = results[.intensity1]?.first?.1?.frames ?? 0
        var row = Row(input: input.name, preset: preset, frames: frames)
        for kind in Kind.allCases {
            let runs = results[kind] ?? []
            let wall = median(runs.map(\.0.wallSeconds))
            row.contenders[kind.rawValue] = Contender(
                wallSeconds: wall, fps: wall > 0 ? Double(frames) / wall : 0,
                cpuSeconds: median(runs.map(\.0.cpuSeconds)), peakRSSMegabytes: runs.map(\.0.peakRSSMegabytes).max() ?? 0)
        }
        let base = results[.ffmpeg]?.map(\.0.wallSeconds) ?? []
        row.ratioIntensity0 = median(zip(results[.intensity0] ?? [], base).map { $0.0.wallSeconds / $1 })
        row.ratioIntensity1 = median(zip(results[.intensity1] ?? [], base).map { $0.0.wallSeconds / $1 })
        let parts = Set((results[.intensity1] ?? []).flatMap { $0.1?.workSeconds.keys.map { $0 } ?? [] })
        for part in parts {
            let values = (results[.intensity1] ?? []).compactMap { $0.1?.workSeconds[part] }
            row.stageMillisecondsPerFrame[part] = frames > 0 ? median(values) * 1000 / Double(frames) : 0
        }
        return row
    }

    /// Peak memory of ffmpeg and of the engine (intensity 1, preset medium) on one clip.
    func memory(_ input: BenchInput) throws -> MemoryRow {
        let ffmpeg = try once(.ffmpeg, input, preset: "medium").0
        let engine = try once(.intensity1, input, preset: "medium").0
        return MemoryRow(input: input.name, seconds: input.seconds, ffmpegPeakRSSMegabytes: ffmpeg.peakRSSMegabytes,
                         enginePeakRSSMegabytes: engine.peakRSSMegabytes)
    }
}

/// The part of the engine's `--json` summary the benchmark reads.
struct Summary: Decodable {
    var frames: Int
    var workSeconds: [String: Double]

    enum CodingKeys: String, CodingKey {
        case frames
        case workSeconds = "work_seconds"
    }
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
