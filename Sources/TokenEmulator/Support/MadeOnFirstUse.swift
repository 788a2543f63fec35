import Synchronization

/// A value made on first use and the same one ever after, from any thread: what `lazy var` gives a class that
/// cannot be `Sendable`. `make` runs outside the lock (it may take other locks of the owner); when two threads race,
/// both may make one and the first stored wins, so `make` must have no effect beyond its result.
struct MadeOnFirstUse<Value: Sendable>: ~Copyable, Sendable {
    private let stored = Mutex<Value?>(nil)

    func value(_ make: () -> Value) -> Value {
        if let existing = stored.withLock({ $0 }) { return existing }
        let made = make()
        return stored.withLock { slot in
            if let first = slot { return first }
            slot = made
            return made
        }
    }
}
