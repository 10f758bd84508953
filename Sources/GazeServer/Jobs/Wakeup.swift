import Synchronization

/// A doorbell for a background loop: `ring()` from anywhere; `wait(upTo:)` returns when rung, after the
/// timeout, or when the waiting task is cancelled, whichever comes first. A ring while nobody waits is kept
/// (once) for the next wait.
final class Wakeup: Sendable {
    private struct State {
        var rung = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        /// The last wait whose timer ended, maybe before that wait suspended: in a cancelled task the timer
        /// ends at once and can win that race, and nothing else may ever wake the wait.
        var expired: UInt64?
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state in
            guard let waiter = state.waiter else {
                state.rung = true
                return CheckedContinuation<Void, Never>?.none
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    func wait(upTo timeout: Duration) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskGroup(of: Void.self) { group in
            // The timer wakes only this wait (by id), so a timer that fires late cannot count as a ring later.
            group.addTask { [self] in
                try? await Task.sleep(for: timeout)  // also ends early on cancellation: then the wait ends too
                wake(id)
            }
            await withCheckedContinuation { continuation in
                let now = state.withLock { state in
                    if state.expired == id { return true }
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    state.waiter = (id, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
            group.cancelAll()
        }
    }

    private func wake(_ id: UInt64) {
        let waiter = state.withLock { state in
            guard let waiter = state.waiter, waiter.id == id else {
                state.expired = id  // not suspended yet (or already woken): it must not suspend now
                return CheckedContinuation<Void, Never>?.none
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }
}
