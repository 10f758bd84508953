import Foundation
import GazeEngine

/// Carries a job's progress from the engine's thread to the database: at most one write every half second
/// (the newest figure wins), immediately on a stage change, and a `task.progress` webhook on each stage change
/// and otherwise at most every `eventInterval`.
final class ProgressRecorder: Sendable {
    private let updates: AsyncStream<GazeProgress>
    private let continuation: AsyncStream<GazeProgress>.Continuation

    init() {
        (updates, continuation) = AsyncStream.makeStream(of: GazeProgress.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Called from any thread; never blocks.
    func report(_ progress: GazeProgress) { continuation.yield(progress) }

    func finish() { continuation.finish() }

    /// Writes reports for job `id` (while it is in `status`, and starting at `stage`, already announced) until `finish()`.
    func record(job id: String, status: JobStatus, stage: Stage, store: JobStore, eventInterval: Duration = .seconds(5)) async {
        var stage = stage
        var lastEvent = ContinuousClock.now
        for await progress in updates {
            let stageChanged = progress.stage != stage
            let event = stageChanged || ContinuousClock.now - lastEvent >= eventInterval
            if event { lastEvent = ContinuousClock.now }
            stage = progress.stage
            _ = try? await store.update(id, from: [status], event: event ? .progress : nil) { job in
                job.progressPercent = max(job.progressPercent, min(100, progress.percent))
                job.progressStage = progress.stage
            }
            if !stageChanged { try? await Task.sleep(for: .milliseconds(500)) }
        }
    }
}
