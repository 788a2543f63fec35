import Dispatch
import Synchronization

/// How a driver waits between two looks at a token that is not ready yet (a button not pressed, a write in
/// progress, a busy key): a pause that `cancel()` ends at once, from any thread, and that refuses every later pause.
/// The drivers stay synchronous; whoever runs them (a token's session) cancels the wait when its task is cancelled,
/// so Ctrl-C reaches a driver in the middle of its poll loop.
public final class PollWait: Sendable {
    private let cancelled = Atomic<Bool>(false)
    /// Signalled once by `cancel()`; a pause that takes the signal passes it on, so every waiter wakes.
    private let wake = DispatchSemaphore(value: 0)

    public init() {}

    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Ends the pause in progress and every later one with `TransportError.cancelled`.
    public func cancel() {
        if !cancelled.exchange(true, ordering: .acquiringAndReleasing) { wake.signal() }
    }

    /// Waits `seconds`, unless cancelled before or during the wait.
    public func pause(_ seconds: Double) throws(TransportError) {
        if isCancelled { throw .cancelled }
        if wake.wait(timeout: .now() + max(seconds, 0)) == .success {
            wake.signal()
            throw .cancelled
        }
    }
}
