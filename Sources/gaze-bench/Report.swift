import Foundation

struct Contender: Codable {
    var wallSeconds: Double
    var fps: Double
    var cpuSeconds: Double
    var peakRSSMegabytes: Double
}

struct Row: Codable {
    var input: String
    var preset: String
    var frames: Int
    var contenders: [String: Contender] = [:]
    /// Median over rounds of (engine wall time / ffmpeg wall time) in the same round.
    var ratioIntensity0 = 0.0
    var ratioIntensity1 = 0.0
    /// The engine's time per frame in each part of its loop, at intensity 1.
    var stageMillisecondsPerFrame: [String: Double] = [:]
}

struct MemoryRow: Codable {
    var input: String
    var seconds: Int
    var ffmpegPeakRSSMegabytes: Double
    var enginePeakRSSMegabytes: Double
}

struct Report: Codable {
    var machine: String
    var runs: Int
    var rows: [Row] = []
    var memory: [MemoryRow] = []

    init(machine: String, runs: Int) {
        self.machine = machine
        self.runs = runs
    }

    /// Cores, CPU model, memory and the FFmpeg version, read from this machine.
    static func machine() -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
        let memory = ProcessInfo.processInfo.physicalMemory / (1 << 30)
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(model), \(memory) GiB"
    }

    var markdown: String {
        func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        var lines = ["Machine: \(machine); median of \(runs) alternating runs.", "",
                     "| input | preset | ffmpeg fps | i0 fps | i1 fps | analysis fps | i0 / ffmpeg | i1 / ffmpeg | CPU s ffmpeg / i0 / i1 | peak RSS MB ffmpeg / i0 / i1 |",
                     "|---|---|---|---|---|---|---|---|---|---|"]
        for row in rows {
            let c = { (kind: Runner.Kind) in row.contenders[kind.rawValue] ?? Contender(wallSeconds: 0, fps: 0, cpuSeconds: 0, peakRSSMegabytes: 0) }
            lines.append("| \(row.input) | \(row.preset) | \(f(c(.ffmpeg).fps)) | \(f(c(.intensity0).fps)) | \(f(c(.intensity1).fps)) | "
                + "\(f(c(.analysis).fps)) | \(f(row.ratioIntensity0, 3)) | \(f(row.ratioIntensity1, 3)) | "
                + "\(f(c(.ffmpeg).cpuSeconds)) / \(f(c(.intensity0).cpuSeconds)) / \(f(c(.intensity1).cpuSeconds)) | "
                + "\(f(c(.ffmpeg).peakRSSMegabytes, 0)) / \(f(c(.intensity0).peakRSSMegabytes, 0)) / \(f(c(.intensity1).peakRSSMegabytes, 0)) |")
        }
        let parts = ["decode", "detect", "landmarks", "iris", "warp", "encode"]
        lines += ["", "Engine time per frame at intensity 1 (ms, wall time inside the frame loop; encode includes waiting for libx264):", "",
                  "| input | preset | " + parts.joined(separator: " | ") + " |", "|---|---|" + String(repeating: "---|", count: parts.count)]
        for row in rows {
            lines.append("| \(row.input) | \(row.preset) | " + parts.map { f(row.stageMillisecondsPerFrame[$0] ?? 0, 2) }.joined(separator: " | ") + " |")
        }
        if !memory.isEmpty {
            lines += ["", "| memory clip | seconds | ffmpeg peak RSS MB | engine peak RSS MB |", "|---|---|---|---|"]
            for row in memory {
                lines.append("| \(row.input) | \(row.seconds) | \(f(row.ffmpegPeakRSSMegabytes, 0)) | \(f(row.enginePeakRSSMegabytes, 0)) |")
            }
        }
        return lines.joined(separator: "\n")
    }
}
