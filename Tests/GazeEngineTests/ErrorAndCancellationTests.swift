import Foundation
import GazeTestSupport
import Testing

@testable import GazeEngine

/// Failures map to stable codes and leave nothing behind; cancelling stops a job promptly and cleanly.
@Suite("Errors and cancellation")
struct ErrorAndCancellationTests {
    /// Runs a job from `input` into a fresh folder and returns its error and what the folder holds afterwards.
    private func failedJob(_ input: MediaLocation, engine: GazeEngine? = nil,
                           options: GazeOptions = .init()) async throws -> (GazeError?, [String]) {
        let engine = try engine ?? sharedEngine()
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.mp4")
        let error = await gazeError {
            try await engine.process(input: input, output: .file(output.path), options: options)
        }
        return (error, try contents(of: folder))
    }

    @Test("a file that is not a playable video is invalid_source and leaves no file",
          arguments: ["text.mp4", "empty.mp4", "truncated.mp4", "audio_only.m4a"])
    func invalidSourceFile(_ name: String) async throws {
        let (error, left) = try await failedJob(.file(try derivedFixture(name).path))
        #expect(error?.code == .invalidSource, "\(String(describing: error))")
        #expect(left.isEmpty, "left in the output folder: \(left)")
    }

    @Test("a path that does not exist is invalid_source")
    func missingSourceFile() async throws {
        let (error, left) = try await failedJob(.file("/nonexistent/\(UUID().uuidString).mp4"))
        #expect(error?.code == .invalidSource, "\(String(describing: error))")
        #expect(left.isEmpty, "left in the output folder: \(left)")
    }

    @Test("a source URL answering 404 is invalid_source: \"Source URL returned 404.\"")
    func sourceURLNotFound() async throws {
        let (error, left) = try await LocalHTTPServer.with { server in
            try await failedJob(.url(server.url("/missing.mp4")))
        }
        #expect(error?.code == .invalidSource)
        #expect(error?.message == "Source URL returned 404.", "\(String(describing: error))")
        #expect(left.isEmpty, "left in the output folder: \(left)")
    }

    @Test("an output in a folder that does not exist is output_failed")
    func outputFolderMissing() async throws {
        let input = try derivedFixture("noface_small.mp4")
        let output = "/nonexistent-\(UUID().uuidString)/out.mp4"
        let error = await gazeError {
            try await sharedEngine().process(input: .file(input.path), output: .file(output))
        }
        #expect(error?.code == .outputFailed, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("a model path that does not exist is model_unavailable")
    func modelMissing() {
        do {
            _ = try GazeEngine(configuration: .init(modelPath: "/nonexistent"))
            Issue.record("an engine was made without a model")
        } catch {
            #expect(error.code == .modelUnavailable, "\(error)")
        }
    }

    @Test("a video larger than the configured limits is unsupported_media and leaves no file")
    func beyondLimits() async throws {
        let engine = try GazeEngine(configuration: .init(limits: .init(maxWidth: 100)))
        let (error, left) = try await failedJob(.file(try derivedFixture("noface_small.mp4").path), engine: engine)
        #expect(error?.code == .unsupportedMedia, "\(String(describing: error))")
        #expect(left.isEmpty, "left in the output folder: \(left)")
    }

    // MARK: Cancellation

    /// v02_small five times over (10 s, 300 frames): long enough that a job is still compositing when cancelled.
    private static let longInput = Task { () async throws -> URL in
        let folder = try makeTemporaryFolder("GazeLongInput")
        let url = folder.appendingPathComponent("long.mp4")
        _ = try await runTool("ffmpeg", ["-nostdin", "-v", "error", "-stream_loop", "4", "-i", try derivedFixture("v02_small.mp4").path,
                                         "-map", "0", "-c", "copy", "-y", url.path])
        return url
    }

    @Test("cancelling the task mid-compositing throws cancelled within a frame or two and leaves no file")
    func cancelMidJob() async throws {
        let input = try await Self.longInput.value
        defer { try? FileManager.default.removeItem(at: input.deletingLastPathComponent()) }
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.mp4")
        let log = ProgressLog()
        let (compositing, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let engine = try sharedEngine()

        let job = Task {
            try await engine.process(input: .file(input.path), output: .file(output.path),
                                     options: GazeOptions(encoder: .init(preset: "ultrafast"))) { progress in
                log.record(progress)
                // Some frames in, so the cancel lands in the frame loop rather than during setup.
                if progress.stage == .compositing, progress.percent >= 1 { signal.yield() }
            }
        }
        var iterator = compositing.makeAsyncIterator()
        _ = await iterator.next()
        job.cancel()
        // Read after the cancel: a report computed before it may still arrive, then at most the frame in hand.
        let atCancel = log.reports.last?.percent ?? 0
        let result = await job.result

        switch result {
        case .success(let summary):
            Issue.record("the job finished despite the cancel (\(summary.frames) frames)")
        case .failure(let error as GazeError):
            #expect(error.code == .cancelled, "\(error)")
        case .failure(let error):
            #expect(error is CancellationError, "\(error)")
        }
        // Measured in work, not seconds, so a loaded machine cannot fail it: 1 % of this input is about four
        // frames, and the pipeline checks the flag before each one.
        let last = log.reports.last?.percent ?? 0
        #expect(last <= atCancel + 1, "progress went from \(atCancel) % at the cancel to \(last) %")
        #expect(!FileManager.default.fileExists(atPath: output.path), "the output exists")
        let left = try contents(of: folder)
        #expect(left.isEmpty, "left in the output folder: \(left)")
        #expect(log.reports.allSatisfy { $0.percent < 100 }, "the job reported completion")
    }
}
