import Synchronization

/// A PIN asked for at most once per batch and kind of PIN ("Nitrokey admin", "OpenHOTP admin"): the first token that
/// needs one asks (a terminal prompt), every later token of that kind gets the same answer, so a person feeding a
/// hundred tokens types it once. A wrong answer stops the batch anyway.
final class AskedPIN: Sendable {
    private let ask: @Sendable (_ what: String) -> String?
    /// By kind: the answer given (nil: asked, and no PIN was given).
    private let answered = Mutex<[String: String?]>([:])

    init(_ ask: @escaping @Sendable (_ what: String) -> String?) { self.ask = ask }

    func answer(_ what: String) -> String? {
        answered.withLock { answers in
            if let known = answers[what] { return known }
            let typed = ask(what)
            answers[what] = .some(typed)
            return typed
        }
    }
}
