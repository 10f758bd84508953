import Foundation
import GazeEngine

/// The two halves of a job: ingest (download and probe, then queue) and processing (engine, then publish).
///
/// Progress over the whole job: downloading 0–10 %, compositing and encoding 10–95 %, publishing 95–100 %.
extension JobRunner {
    func ingest(_ id: String) async {
        guard let job = try? await store.job(id: id), job.status == .ingesting else { return }
        let source = files.source(id)
        let recorder = ProgressRecorder()
        let started = ContinuousClock.now
        async let recording: Void = recorder.record(job: id, status: .ingesting, stage: .downloading, store: store)
        var outcome: Result<MediaInfo, GazeError>
        do throws(GazeError) {
            guard let url = URL(string: job.sourceUrl) else { throw .invalidSource("Source URL is not a valid URL.") }
            recorder.report(GazeProgress(stage: .downloading, percent: 0))
            try await engine.download(from: url, to: source) { fraction in
                recorder.report(GazeProgress(stage: .downloading, percent: Int((fraction ?? 0) * 10)))
            }
            outcome = .success(try await engine.probe(file: source.path))
        } catch {
            outcome = .failure(error)
        }
        recorder.finish()
        await recording
        metrics.recordStage(.downloading, since: started)

        _ = try? await uncancelled { [self, outcome] in
            switch outcome {
            case .success:
                try await store.update(id, from: [.ingesting]) { job in
                    job.status = .queued
                    job.progressPercent = max(job.progressPercent, 10)
                }
                notify()
            case .failure(let error) where error.code == .cancelled:
                // Cancelled by its owner (status already says so) or by shutdown (stays `ingesting`, resumed on start).
                files.removeSource(id)
            case .failure(let error):
                files.removeSource(id)
                try await fail(id, from: .ingesting, error.code.rawValue, error.message)
            }
        }
    }

    func process(_ job: JobRecord) async {
        let id = job.id
        let artifact = files.artifact(id)
        let recorder = ProgressRecorder()
        async let recording: Void = recorder.record(job: id, status: .processing, stage: .compositing, store: store)
        var outcome: Result<GazeSummary, GazeError>
        do throws(GazeError) {
            let summary = try await engine.process(
                input: .file(files.source(id).path), output: .file(artifact.path), options: GazeOptions(intensity: job.intensity)
            ) { progress in
                recorder.report(GazeProgress(stage: progress.stage, percent: 10 + progress.percent * 85 / 100))
            }
            recorder.report(GazeProgress(stage: .uploading, percent: 95))
            let started = ContinuousClock.now
            try Self.makeDurable(artifact)
            metrics.recordStage(.uploading, since: started)
            outcome = .success(summary)
        } catch {
            outcome = .failure(error)
        }
        recorder.finish()
        await recording

        _ = try? await uncancelled { [self, outcome] in
            switch outcome {
            case .success(let summary):
                for (name, seconds) in summary.stageSeconds {
                    if let stage = Stage(rawValue: name) { metrics.recordStage(stage, seconds: seconds) }
                }
                let bytes = (try? FileManager.default.attributesOfItem(atPath: artifact.path)[.size] as? NSNumber)?.int64Value
                let done = try await store.update(id, from: [.processing], event: .completed) { job in
                    job.status = .completed
                    job.progressPercent = 100
                    job.progressStage = .uploading
                    job.outputWidth = summary.width
                    job.outputHeight = summary.height
                    job.outputDuration = summary.duration
                    job.outputBytes = bytes ?? summary.outputBytes
                }
                // Cancelled while publishing: the cancel won, so the artifact goes.
                if done == nil { try? FileManager.default.removeItem(at: artifact) }
                files.removeSource(id)
            case .failure(let error) where error.code == .cancelled:
                try? FileManager.default.removeItem(at: artifact)
                // Stopped by shutdown rather than by its owner: back in the queue for the next start.
                let requeued = try await store.update(id, from: [.processing]) { job in job.status = .queued }
                if requeued == nil { files.removeSource(id) }
            case .failure(let error):
                try? FileManager.default.removeItem(at: artifact)
                files.removeSource(id)
                try await fail(id, from: .processing, error.code.rawValue, error.message)
            }
        }
    }

    /// Fails job `id` (if still in `status`) and queues its `task.failed` webhook.
    func fail(_ id: String, from status: JobStatus, _ code: String, _ message: String) async throws {
        try await store.update(id, from: [status], event: .failed) { job in
            job.status = .failed
            job.errorCode = code
            job.errorMessage = message
        }
    }

    /// Flushes the finished file to disk before the job is reported complete, so a crash right after cannot
    /// leave a completed job without its file.
    private static func makeDurable(_ file: URL) throws(GazeError) {
        guard let handle = try? FileHandle(forWritingTo: file) else { throw .outputFailed("The output file is missing.") }
        defer { try? handle.close() }
        do { try handle.synchronize() } catch { throw .outputFailed("The output could not be written to disk.") }
    }
}
