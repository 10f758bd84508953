import Foundation
import GazeEngine
import Logging
import ServiceLifecycle
import Synchronization

/// Runs accepted jobs to the end: downloads (several at once, apart from the CPU work) and a bounded number of
/// processing slots. The database is the queue, so nothing accepted depends on this process staying alive:
/// on start, jobs a dead process left in `ingesting` or `processing` are taken up again.
final class JobRunner: Service, Sendable {
    struct Settings: Sendable {
        /// Jobs processed at once (each keeps libx264's threads busy).
        var slots: Int
        /// Downloads at once.
        var downloads: Int
        /// Runs of a job that may be cut short by a crash before it fails with `internal_error`.
        var maxAttempts: Int
    }

    let store: JobStore
    let engine: GazeEngine
    let files: JobFiles
    let settings: Settings
    let metrics: ServerMetrics
    let logger: Logger
    let wakeup = Wakeup()
    /// The running job tasks by job id (and whether they ingest or process), so a cancel request can stop one.
    private let running = Mutex<[String: (task: Task<Void, Never>, phase: JobStatus)]>([:])

    init(store: JobStore, engine: GazeEngine, files: JobFiles, settings: Settings, metrics: ServerMetrics, logger: Logger) {
        self.store = store
        self.engine = engine
        self.files = files
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
    }

    /// Tells the scheduler there may be new work.
    func notify() { wakeup.ring() }

    /// Stops job `id` if it is running here; its status was already set by the caller.
    func stop(_ id: String) {
        running.withLock { $0[id] }?.task.cancel()
    }

    func run() async throws {
        try await recover()
        // On graceful shutdown the loop and every job task are cancelled; jobs in hand go back to where a
        // restart picks them up (see `process` and `ingest`).
        await cancelWhenGracefulShutdown { [self] in
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    var ingesting = running.withLock { Set($0.filter { $0.value.phase == .ingesting }.keys) }
                    var processing = running.withLock { $0.values.filter { $0.phase == .processing }.count }
                    do {
                        for id in try await store.jobIDs(status: .ingesting)
                        where ingesting.count < settings.downloads && !ingesting.contains(id) {
                            ingesting.insert(id)
                            start(id, .ingesting, in: &group) { [self] in await ingest(id) }
                        }
                        for id in try await store.jobIDs(status: .queued) where processing < settings.slots {
                            guard let job = try await claim(id) else { continue }
                            processing += 1
                            start(id, .processing, in: &group) { [self] in await process(job) }
                        }
                    } catch {
                        if !Task.isCancelled { logger.error("scheduler: database error", metadata: ["error": "\(error)"]) }
                    }
                    await wakeup.wait(upTo: .seconds(1))
                }
            }
        }
    }

    /// Moves a queued job into a processing slot, unless it was cancelled meanwhile.
    private func claim(_ id: String) async throws -> JobRecord? {
        try await store.update(id, from: [.queued], event: .progress) { job in
            job.status = .processing
            job.progressStage = .compositing
        }
    }

    /// Starts `work` as job `id`'s task, registered (before this returns) for `stop(_:)`; a child of `group`
    /// waits for it, passes on the group's cancellation, and rings the scheduler when it ends.
    private func start(_ id: String, _ phase: JobStatus, in group: inout DiscardingTaskGroup,
                       _ work: @escaping @Sendable () async -> Void) {
        let task = Task { await work() }
        running.withLock { $0[id] = (task, phase) }
        group.addTask { [self] in
            await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
            // Only this task's entry: a job that just left ingest may already be registered for processing.
            running.withLock { if $0[id]?.task == task { $0[id] = nil } }
            wakeup.ring()
        }
    }

    // MARK: - Recovery

    /// Takes up the jobs a previous process left in flight, counting each interruption as an attempt.
    func recover() async throws {
        for status in [JobStatus.ingesting, .processing] {
            for id in try await store.jobIDs(status: status) {
                guard let found = try await store.job(id: id) else { continue }
                // Decided before the change so that failing and its `task.failed` delivery are one transaction.
                let exhausted = found.attempts + 1 > settings.maxAttempts
                let source = files.source(id).path
                let job = try await store.update(id, from: [status], event: exhausted ? .failed : nil) { job in
                    job.attempts += 1
                    if exhausted {
                        job.status = .failed
                        job.errorCode = "internal_error"
                        job.errorMessage = "The job was interrupted \(job.attempts - 1) times and was not tried again."
                    } else if job.status == .processing {
                        // A finished download is kept; without it the job starts over from the download.
                        job.status = FileManager.default.fileExists(atPath: source) ? .queued : .ingesting
                    }
                }
                if exhausted { files.removeSource(id) }
                logger.notice("recovered job", metadata: ["job_id": .string(id), "status": .string(job?.status.rawValue ?? "?")])
            }
        }
    }
}

/// Runs `body` in a task of its own that the caller's cancellation does not reach: for the last database
/// writes of a job that was stopped (GRDB refuses to start work in a cancelled task).
func uncancelled<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await body() }.value
}
