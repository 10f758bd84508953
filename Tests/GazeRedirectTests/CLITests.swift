import Foundation
import GazeTestSupport
import Testing

/// The `gaze-redirect` command as a user runs it: the built binary, started with `Process`.
@Suite("gaze-redirect CLI")
struct CLITests {
    @Test("--help documents every option of the contract and the exit codes")
    func help() async throws {
        let result = try await CLI.run(["--help"])
        #expect(result.status == 0)
        let text = result.stdoutText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for option in ["-o", "--output", "--intensity", "--crf", "--preset", "--progress", "--json", "--analyze", "--preview", "-n"] {
            #expect(text.contains("\(option) ") || text.contains("\(option),"), "--help does not mention \(option)")
        }
        for status in ["0 when", "1 unexpected", "3 invalid_source", "4 unsupported_media", "5 model_unavailable",
                       "6 output_failed", "130 cancelled", "64 bad usage"] {
            #expect(text.contains(status), "--help does not document exit status \"\(status)\"")
        }
    }

    @Test("--json --progress json: exit 0, a JSON summary on stdout, JSON progress lines to 100 on stderr")
    func successfulRun() async throws {
        let input = try derivedFixture("v01_small.mp4")
        let folder = try makeTemporaryFolder("CLITests")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.mp4")

        let result = try await CLI.run([input.path, "-o", output.path, "--json", "--progress", "json", "--preset", "ultrafast"])

        #expect(result.status == 0, "stderr: \(result.stderr.suffix(500))")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: output.path)[.size] as? NSNumber)
        let frames = try await frameCount(input)
        #expect(try await frameCount(output) == frames)

        let summary = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any],
                                   "stdout is not a JSON object: \(result.stdoutText)")
        for key in ["width", "height", "frames", "frames_with_face", "output_bytes", "duration", "stage_seconds"] {
            #expect(summary[key] != nil, "the summary lacks \(key): \(result.stdoutText)")
        }
        #expect(summary["width"] as? Int == 640)
        #expect(summary["height"] as? Int == 360)
        #expect(summary["frames"] as? Int == frames)
        #expect((summary["frames_with_face"] as? Int).map { (0...frames).contains($0) } == true)
        #expect((summary["output_bytes"] as? NSNumber)?.int64Value == size.int64Value)
        #expect((summary["duration"] as? Double).map { abs($0 - 1.5) < 0.05 } == true, "duration \(summary["duration"] ?? "-")")
        #expect(summary["stage_seconds"] is [String: Any])

        // Progress: stderr is one JSON object per line, {"stage": …, "percent": …}, and nothing else.
        let lines = result.stderr.split(separator: "\n")
        let progress = lines.compactMap { line in try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] }
        #expect(progress.count == lines.count, "stderr lines that are not JSON: \(lines.filter { !$0.hasPrefix("{") }.prefix(5))")
        let percents = progress.compactMap { $0["percent"] as? Int }
        #expect(!percents.isEmpty && percents.count == progress.count, "progress lines: \(progress)")
        #expect(progress.allSatisfy { $0["stage"] is String })
        #expect(zip(percents, percents.dropFirst()).allSatisfy { $0 <= $1 }, "percent went back: \(percents)")
        #expect(percents.last == 100, "percents: \(percents)")
    }

    @Test("a text file as input exits 3 with \"error: invalid_source: …\" on stderr and writes nothing")
    func invalidSource() async throws {
        let folder = try makeTemporaryFolder("CLITests")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.mp4")
        let result = try await CLI.run([try derivedFixture("text.mp4").path, "-o", output.path, "--progress", "none"])
        #expect(result.status == 3)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.last?.hasPrefix("error: invalid_source: ") == true, "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(try contents(of: folder).isEmpty)
        // The contract: the error line is all there is. FFmpeg's log (e.g. "moov atom not found") still leaks.
        #expect(lines.count == 1, "stderr has other lines: \(lines.dropLast())")
    }

    @Test("an out-of-range setting is bad usage: exit 64, naming it, nothing written",
          arguments: [["--intensity", "2"], ["--smallest-face", "10"], ["--background-face-share", "1.5"]])
    func badSetting(_ setting: [String]) async throws {
        let folder = try makeTemporaryFolder("CLITests")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.mp4")
        let result = try await CLI.run([try derivedFixture("noface_small.mp4").path, "-o", output.path] + setting)
        #expect(result.status == 64, "stderr: \(result.stderr)")
        let named = ["--intensity": "intensity", "--smallest-face": "smallest face", "--background-face-share": "background face share"]
        #expect(result.stderr.contains(named[setting[0]] ?? setting[0]), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test("--analyze -o FILE writes JSON Lines, one per frame, each with index, time and faces")
    func analyze() async throws {
        let input = try derivedFixture("v01_small.mp4")
        let folder = try makeTemporaryFolder("CLITests")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("analysis.jsonl")

        let result = try await CLI.run([input.path, "--analyze", "-o", output.path, "--progress", "none"])
        #expect(result.status == 0, "stderr: \(result.stderr.suffix(500))")
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == (try await frameCount(input)))
        for (number, line) in lines.enumerated() {
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                                      "line \(number + 1) is not a JSON object")
            #expect(record["index"] as? Int == number, "line \(number + 1): index \(record["index"] ?? "-")")
            #expect(record["time"] is Double || record["time"] is Int, "line \(number + 1): no time")
            #expect(record["faces"] is [Any], "line \(number + 1): no faces array")
        }
        #expect(lines.contains { $0.contains("\"eye_landmarks\"") }, "no face was found in any frame")
        // Keys in a fixed (sorted) order, so that two analyses of one video read the same and diff line by line.
        let withFace = try #require(lines.first { $0.contains("\"eye_landmarks\"") })
        let keys = withFace.matches(of: /"([a-z_]+)":/).map { String($0.1) }
        let faceKeys = keys.dropFirst().dropLast(2)
        #expect(keys.first == "faces" && keys.suffix(2) == ["index", "time"] && faceKeys.elementsEqual(faceKeys.sorted()),
                "keys in the order \(keys)")
        // One face, followed throughout: one track id on every frame.
        let ids = try lines.flatMap { line in
            let faces = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["faces"] as? [[String: Any]]
            return (faces ?? []).map { $0["id"] as? Int }
        }
        #expect(!ids.isEmpty && Set(ids).count == 1 && ids[0] != nil, "track ids: \(Set(ids))")
    }

    @Test("-n with an existing output fails and leaves that file untouched")
    func noOverwrite() async throws {
        let folder = try makeTemporaryFolder("CLITests")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("existing.mp4")
        let original = Data("precious bytes, not a video\n".utf8)
        try original.write(to: output)
        let before = try FileManager.default.attributesOfItem(atPath: output.path)[.modificationDate] as? Date

        let result = try await CLI.run([try derivedFixture("noface_small.mp4").path, "-o", output.path, "-n"])
        #expect(result.status != 0)
        #expect(try Data(contentsOf: output) == original)
        #expect(try FileManager.default.attributesOfItem(atPath: output.path)[.modificationDate] as? Date == before)
        #expect(try contents(of: folder) == ["existing.mp4"])
    }
}

// MARK: - Support (paths, fixtures, folders and the process runner come from GazeTestSupport)

private enum CLI {
    /// The built `gaze-redirect` (or the one `GAZE_REDIRECT_BINARY` names).
    static let binary: URL? = builtProduct("gaze-redirect", override: "GAZE_REDIRECT_BINARY")

    /// Runs `gaze-redirect` with `arguments`; output goes through files so no pipe can fill up.
    static func run(_ arguments: [String]) async throws -> ProcessResult {
        let binary = try #require(binary, "gaze-redirect was not found beside the test bundle; set GAZE_REDIRECT_BINARY")
        return try await runProcess(binary, arguments)
    }
}

/// A smoke run of the benchmark harness: it runs all four contenders and writes its report. Speed is not
/// asserted (that is what the benchmark itself is for), only that the harness measures something.
@Suite("gaze-bench smoke")
struct BenchSmokeTests {
    @Test("--smoke writes a report with every contender measured")
    func smoke() async throws {
        let engine = try #require(CLI.binary, "gaze-redirect was not found beside the test bundle")
        let bench = engine.deletingLastPathComponent().appendingPathComponent("gaze-bench")
        try #require(FileManager.default.isExecutableFile(atPath: bench.path), "gaze-bench was not built beside gaze-redirect")
        let folder = try makeTemporaryFolder("BenchSmoke")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await runProcess(bench, ["--smoke", "--fixtures", packageRoot().appendingPathComponent("Fixtures").path,
                                                  "--out", folder.path, "--engine", engine.path])
        #expect(result.status == 0, "gaze-bench failed: \(result.stderr)")
        let data = try Data(contentsOf: folder.appendingPathComponent("bench.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let rows = try #require(report["rows"] as? [[String: Any]])
        #expect(rows.count == 2, "one row per preset")
        for row in rows {
            let contenders = try #require(row["contenders"] as? [String: [String: Any]])
            #expect(Set(contenders.keys) == ["ffmpeg", "intensity0", "intensity1", "analysis"])
            for (name, contender) in contenders {
                #expect((contender["fps"] as? Double ?? 0) > 0, "\(name) has no fps")
                #expect((contender["peakRSSMegabytes"] as? Double ?? 0) > 0, "\(name) has no peak RSS")
            }
            #expect((row["frames"] as? Int) == 60)
        }
        #expect(result.stdoutText.contains("| smoke-360p |"), "the Markdown table is printed")
    }
}
