import Foundation
import Testing
@testable import GazeServer

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

/// Graceful shutdown must end, whatever the runner's and dispatcher's loops were doing when it came.
struct ShutdownTests {
    /// The loops' last wait usually starts after shutdown cancelled them (a database call in a cancelled task
    /// throws at once): that wait must end at once, not sleep until a ring that never comes.
    @Test func aWaitStartedAfterCancellationEndsAtOnce() async {
        let wakeup = Wakeup()
        let waiter = Task(executorPreference: ChildFirstExecutor()) {
            withUnsafeCurrentTask { $0?.cancel() }
            await wakeup.wait(upTo: .seconds(3600))
        }
        if !(await finishes(within: .seconds(10)) { await waiter.value }) {
            wakeup.ring()  // lets the stuck waiter go
            Issue.record("a wait in a cancelled task was still sleeping after 10 s")
        }
    }
}
