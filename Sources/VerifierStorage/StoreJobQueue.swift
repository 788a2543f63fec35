import Foundation
import Synchronization

/// Jobs handed from async callers to the store's dedicated threads, oldest first, at most `capacity` waiting (a
/// full queue refuses at once rather than letting latency grow without bound). The jobs sit in a `Mutex`; the
/// condition only puts idle threads to sleep and wakes them, and is checked under its lock, so no wakeup is lost.
final class StoreJobQueue<Job: Sendable>: Sendable {
    private struct State: ~Copyable {
        var jobs: [Job] = []
        var closed = false
    }

    private let state = Mutex(State())
    private let wakeup = NSCondition()
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Queues `jobs` together (a taker sees them in this order, next to each other); false when the queue is
    /// full or closed, queuing none of them.
    func push(_ jobs: [Job]) -> Bool {
        let queued = state.withLock { state -> Bool in
            guard !state.closed, state.jobs.count + jobs.count <= capacity else { return false }
            state.jobs.append(contentsOf: jobs)
            return true
        }
        if queued {
            wakeup.lock()
            wakeup.signal()
            wakeup.unlock()
        }
        return queued
    }

    /// Blocks the calling thread (one of the store's own, never a task's) until jobs are queued, and takes up to
    /// `limit` of them in arrival order; nil once the queue is closed and empty.
    func take(limit: Int) -> [Job]? {
        wakeup.lock()
        defer { wakeup.unlock() }
        while true {
            let (taken, more, closed) = state.withLock { state -> ([Job], Bool, Bool) in
                let count = min(limit, state.jobs.count)
                let taken = Array(state.jobs.prefix(count))
                state.jobs.removeFirst(count)
                return (taken, !state.jobs.isEmpty, state.closed)
            }
            if !taken.isEmpty {
                // Another idle thread may take the rest meanwhile.
                if more { wakeup.signal() }
                return taken
            }
            if closed { return nil }
            wakeup.wait()
        }
    }

    /// Refuses further jobs; the threads finish those queued, then `take` returns nil.
    func close() {
        state.withLock { $0.closed = true }
        wakeup.lock()
        wakeup.broadcast()
        wakeup.unlock()
    }
}
