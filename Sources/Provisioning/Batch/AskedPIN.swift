import Synchronization

/// A PIN asked for at most once per batch: the first token that needs one asks (a terminal prompt), every later token
/// gets the same answer, so a person feeding a hundred tokens types it once. A wrong answer stops the batch anyway.
final class AskedPIN: Sendable {
    private let ask: @Sendable (_ what: String) -> String?
    /// nil: not asked yet; .some(nil): asked, and no PIN was given.
    private let answered = Mutex<String??>(nil)

    init(_ ask: @escaping @Sendable (_ what: String) -> String?) { self.ask = ask }

    func answer(_ what: String) -> String? {
        answered.withLock { answer in
            if let known = answer { return known }
            let typed = ask(what)
            answer = .some(typed)
            return typed
        }
    }
}
