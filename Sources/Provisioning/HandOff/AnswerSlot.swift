import Dispatch
import Synchronization

/// A result filled once by a callback on another thread and waited for by a synchronous caller.
final class AnswerSlot<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let filled = DispatchSemaphore(value: 0)

    func fill(_ newValue: Value) {
        let first = value.withLock { value in
            guard value == nil else { return false }
            value = newValue
            return true
        }
        if first { filled.signal() }
    }

    /// Blocks this thread until `fill`; never call it from async code.
    func wait() -> Value {
        filled.wait()
        return value.withLock { $0! }
    }
}
