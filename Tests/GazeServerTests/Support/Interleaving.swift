import Foundation

/// Whether `work` ends within `limit`. A `work` that hangs is left behind, so a hang fails the test instead of
/// hanging the run.
func finishes(within limit: Duration, _ work: @escaping @Sendable () async -> Void) async -> Bool {
    let (results, continuation) = AsyncStream.makeStream(of: Bool.self)
    Task {
        await work()
        continuation.yield(true)
    }
    let timer = Task {
        try? await Task.sleep(for: limit)
        continuation.yield(false)
    }
    var iterator = results.makeAsyncIterator()
    let ended = await iterator.next() ?? false
    timer.cancel()
    return ended
}

/// Runs each job on a thread of its own. A task started from one of its jobs (a child task) runs to its first
/// suspension before the job that started it goes on: the interleaving that a loaded machine makes only rarely.
/// Enqueues from elsewhere (a resumption, a cancellation) do not wait: the runtime may hold a lock while making
/// them. For code that cancels none of its own suspended children.
final class ChildFirstExecutor: TaskExecutor {
    private static let marker = "ChildFirstExecutor.job"

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let fromOwnJob = Thread.current.threadDictionary[Self.marker] != nil
        let done = DispatchSemaphore(value: 0)
        Thread { [self] in
            Thread.current.threadDictionary[Self.marker] = true
            unowned.runSynchronously(on: asUnownedTaskExecutor())
            done.signal()
        }.start()
        if fromOwnJob { done.wait() }
    }
}
