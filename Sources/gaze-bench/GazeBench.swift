import ArgumentParser
import Foundation

@main
struct GazeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gaze-bench",
        abstract: "Compare gaze-redirect with a plain ffmpeg re-encode of the same clips.",
        discussion: """
            For each input and preset, runs in alternating order: (a) the ffmpeg CLI re-encoding with the \
            engine's exact encoder settings (libx264, preset, CRF, yuv420p, audio copy, +faststart), (b) the \
            engine at intensity 0, (c) at intensity 1, (d) analysis only (decode + faces + eyes, no encode). \
            Reports fps, the wall-time ratios b/a and c/a (pair by pair, median over runs), CPU seconds, peak \
            RSS and the engine's time per stage, as a Markdown table and as JSON. Run a release build: \
            swift run -c release gaze-bench
            """)

    @Option(help: "Folder with the committed fixtures.") var fixtures = "Fixtures"
    @Option(help: "Where inputs, outputs and the JSON report go.") var out = "out/bench"
    @Option(help: "Rounds per input and preset.") var runs = 3
    @Option(help: "Seconds per input clip.") var seconds = 20
    @Option(help: "x264 presets to compare, comma-separated.") var presets = "medium,veryfast"
    @Option(help: "x264 CRF for both sides.") var crf = 20
    @Option(help: "The gaze-redirect binary (default: next to this one).") var engine: String?
    @Flag(help: "A quick smoke run on a tiny clip (for CI: checks the harness, not the speed).") var smoke = false
    @Flag(help: "Skip the 10 s / 60 s memory comparison.") var skipMemory = false
    @Option(help: "Run only these inputs (comma-separated names: 1080p30, 720p, vertical-1080x1920).") var only: String?

    func run() throws {
        let folder = URL(fileURLWithPath: out)
        let binary = engine ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("gaze-redirect").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchError("no gaze-redirect at \(binary)") }
        let wanted = only.map { Set($0.split(separator: ",").map(String.init)) }
        let inputs = try BenchInputs.make(fixtures: URL(fileURLWithPath: fixtures), folder: folder.appendingPathComponent("inputs"),
                                          seconds: seconds, smoke: smoke, wanted: wanted, memory: !skipMemory && !smoke)
        let runner = Runner(binary: binary, folder: folder, crf: crf)
        var report = Report(machine: Report.machine(), runs: smoke ? 1 : runs)
        for input in inputs.clips {
            for preset in presets.split(separator: ",").map(String.init) {
                report.rows.append(try runner.compare(input, preset: preset, rounds: smoke ? 1 : runs))
                FileHandle.standardError.write(Data("bench: \(input.name) \(preset) done\n".utf8))
            }
        }
        for input in inputs.memory { report.memory.append(try runner.memory(input)) }
        let json = folder.appendingPathComponent("bench.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: json)
        print(report.markdown)
        FileHandle.standardError.write(Data("bench: JSON written to \(json.path)\n".utf8))
    }
}
