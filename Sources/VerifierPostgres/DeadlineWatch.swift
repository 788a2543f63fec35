import NIOCore
import NIOPosix
import Synchronization

/// The one deadline of the PostgreSQL client's waits (for a connection, for a statement's answer, for BEGIN and
/// COMMIT): each wait is registered with its deadline and what ends it, and one repeating sweep on an event loop
/// ends the waits that are past theirs.
///
/// Registering is a lock and a dictionary entry, with no timer of its own: a decision's statement costs no wake-up of
/// another thread to arm or disarm a timer. Deadlines are kept to within one sweep interval (50 ms by default).
final class DeadlineWatch: Sendable {
    struct Passed: Error {}

    private let waits: Waits
    private let sweep: RepeatedTask

    init(interval: Duration = .milliseconds(50), on loop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        let waits = Waits()
        self.waits = waits
        sweep = loop.scheduleRepeatedTask(initialDelay: .nanoseconds(interval.nanoseconds), delay: .nanoseconds(interval.nanoseconds)) { _ in
            waits.expire(before: .now)
        }
    }

    deinit { sweep.cancel() }

    /// Runs `body`. When `limit` passes before it returns, `expire` runs once; returning true, it has ended the wait
    /// (closed the connection a statement waits on, cancelled a wait for a connection) and this throws `Passed`,
    /// however `body` ended; returning false, the deadline no longer applied (a connection came, and what it runs is
    /// bounded by deadlines of its own).
    /// `body` may pause its deadline (while it runs what is bounded otherwise) and renew it (`limit` from then).
    func bound<T>(_ limit: Duration, expire: @escaping @Sendable () -> Bool, _ body: (Deadline) async throws -> T) async throws -> T {
        let id = waits.add(deadline: .now + limit, expire: expire)
        let result: Result<T, any Error>
        do { result = .success(try await body(Deadline(id: id, limit: limit, waits: waits))) } catch { result = .failure(error) }
        if waits.remove(id) { throw Passed() }
        return try result.get()
    }

    /// One wait's deadline, as its body sees it.
    struct Deadline: Sendable {
        fileprivate let id: UInt64
        fileprivate let limit: Duration
        fileprivate let waits: Waits

        /// No deadline until `renew()`.
        func pause() { waits.move(id, to: nil) }
        /// The deadline is `limit` from now.
        func renew() { waits.move(id, to: .now + limit) }
    }

    /// The waits, by id, and those their deadline ended.
    fileprivate final class Waits: Sendable {
        private struct Wait {
            /// nil while paused.
            var deadline: ContinuousClock.Instant?
            let expire: @Sendable () -> Bool
        }

        private struct State {
            var next: UInt64 = 0
            var waits: [UInt64: Wait] = [:]
            var ended: Set<UInt64> = []
        }

        private let state = Mutex(State())

        func add(deadline: ContinuousClock.Instant, expire: @escaping @Sendable () -> Bool) -> UInt64 {
            state.withLock { state in
                state.next += 1
                state.waits[state.next] = Wait(deadline: deadline, expire: expire)
                return state.next
            }
        }

        func move(_ id: UInt64, to deadline: ContinuousClock.Instant?) {
            state.withLock { $0.waits[id]?.deadline = deadline }
        }

        /// Ends the watch of `id`; true when its deadline ended the wait.
        func remove(_ id: UInt64) -> Bool {
            state.withLock { state in
                if state.waits.removeValue(forKey: id) != nil { return false }
                return state.ended.remove(id) != nil
            }
        }

        /// Under the lock, so that a wait removed (its body done) is never expired afterwards: `expire` only closes a
        /// connection or cancels a task, which run nothing of this type's.
        func expire(before now: ContinuousClock.Instant) {
            state.withLock { state in
                guard !state.waits.isEmpty else { return }
                for (id, wait) in state.waits where wait.deadline.map({ $0 <= now }) ?? false {
                    state.waits.removeValue(forKey: id)
                    if wait.expire() { state.ended.insert(id) }
                }
            }
        }
    }
}
