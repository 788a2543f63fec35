import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into a request that a long loop checks between steps, so that Ctrl-C finishes the
/// token in hand (never half-programmed, the journal consistent) instead of killing the process mid-write; and
/// tells `onSignal`'s action of each signal as it comes (a second Ctrl-C can then cancel the wait in hand).
final class StopRequest: Sendable {
    private let requested = Atomic<Int32>(0)
    private let signals = Atomic<Int>(0)
    private let action = Mutex<(@Sendable (_ count: Int) -> Void)?>(nil)
    nonisolated(unsafe) private var sources: [DispatchSourceSignal] = []

    init() {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                requested.store(number, ordering: .sequentiallyConsistent)
                let count = signals.add(1, ordering: .sequentiallyConsistent).newValue
                action.withLock { $0 }?(count)
            }
            source.resume()
            return source
        }
    }

    /// Runs `action` with the number of signals so far on each signal that comes from now on.
    func onSignal(_ action: @escaping @Sendable (_ count: Int) -> Void) {
        self.action.withLock { $0 = action }
    }

    /// How many signals came so far: a later step can stop only for those that come after it began.
    var count: Int { signals.load(ordering: .sequentiallyConsistent) }

    /// The signal received (SIGINT or SIGTERM), if any.
    var received: Int32? {
        let number = requested.load(ordering: .sequentiallyConsistent)
        return number == 0 ? nil : number
    }
}
