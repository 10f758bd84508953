import Synchronization

/// The job stages, named as the API reports them.
public enum Stage: String, Sendable, Codable, CaseIterable {
    case downloading, compositing, encoding, uploading
}

/// One progress report: the current stage and an overall percentage that never goes backwards.
public struct GazeProgress: Sendable, Equatable, Codable {
    public var stage: Stage
    public var percent: Int

    public init(stage: Stage, percent: Int) {
        self.stage = stage
        self.percent = percent
    }
}

/// Turns per-stage fractions into one monotonic 0–100 figure and reports only changes.
///
/// Each stage the job will go through gets a share of the 100 %; a stage's fraction maps into its share.
/// Thread-safe: the download runs on the caller's task, the pipeline on its own thread.
final class ProgressMeter: Sendable {
    private struct State {
        var last: GazeProgress?
        var spans: [Stage: (start: Double, width: Double)]
    }

    private let state: Mutex<State>
    private let report: @Sendable (GazeProgress) -> Void

    init(downloads: Bool, uploads: Bool, report: @escaping @Sendable (GazeProgress) -> Void) {
        let weights: [(Stage, Double)] = [
            (.downloading, downloads ? 10 : 0), (.compositing, 82), (.encoding, 4), (.uploading, uploads ? 8 : 0),
        ]
        let total = weights.reduce(0) { $0 + $1.1 }
        var spans: [Stage: (Double, Double)] = [:]
        var start = 0.0
        for (stage, weight) in weights {
            spans[stage] = (start, weight / total * 100)
            start += weight / total * 100
        }
        state = Mutex(State(last: nil, spans: spans))
        self.report = report
    }

    /// Reports `fraction` (0…1, clamped) of `stage`; a lower figure than already reported is held.
    func update(_ stage: Stage, _ fraction: Double) {
        publish { state in
            let span = state.spans[stage] ?? (0, 0)
            let f = fraction.isFinite ? min(1, max(0, fraction)) : 0
            let percent = max(state.last?.percent ?? 0, min(100, Int((span.start + f * span.width).rounded(.down))))
            return GazeProgress(stage: stage, percent: percent)
        }
    }

    /// Marks the whole job done.
    func finish(_ stage: Stage) {
        publish { state in GazeProgress(stage: state.last?.stage ?? stage, percent: 100) }
    }

    /// Records the report `next` computes from the state, and sends it (outside the lock) if it is news.
    private func publish(_ next: (State) -> GazeProgress) {
        let progress: GazeProgress? = state.withLock { state in
            let report = next(state)
            guard report != state.last else { return nil }
            state.last = report
            return report
        }
        if let progress { report(progress) }
    }
}

/// A cancellation request shared between the caller's task and the pipeline's thread.
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func cancel() { flag.store(true, ordering: .relaxed) }

    var isCancelled: Bool { flag.load(ordering: .relaxed) }

    func check() throws(GazeError) {
        if isCancelled { throw GazeError.cancelled }
    }
}
