import ServiceLifecycle
import Synchronization

/// A listener's service whose failure before it was bound (`listening` still unset) is a `ListenerUnavailable`
/// naming it, not an error that leaves the operator guessing which address was taken.
struct BindingService<Wrapped: Service>: Service {
    let listener: ListenerUnavailable.Listener
    let host: String
    let port: Int
    let listening: ListeningFlag
    let wrapped: Wrapped

    func run() async throws {
        do {
            try await wrapped.run()
        } catch where !listening.value.load(ordering: .relaxed) && !(error is CancellationError) {
            throw ListenerUnavailable(listener, host: host, port: port, error: error)
        }
    }
}

/// Set once a listener is bound: an error before that is a bind failure.
final class ListeningFlag: Sendable {
    let value = Atomic<Bool>(false)
}
