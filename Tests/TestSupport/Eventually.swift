import Foundation

/// The tests' one poll with a deadline, for a state no event announces (a port a server closes on its own thread, a
/// device another connection released a moment ago): `condition` is asked every `interval` until it holds, and the
/// answer is whether it did before `timeout` passed. The timeout is generous on purpose: a poll returns as soon as
/// the condition holds, so only a failing test waits it out.
public func eventually(timeout: TimeInterval = 30, every interval: TimeInterval = 0.02, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return true }
        guard Date() < deadline else { return false }
        Thread.sleep(forTimeInterval: interval)
    }
}

/// `eventually` for asynchronous callers: the task sleeps between asks instead of its thread.
public func eventually(timeout: TimeInterval = 30, every interval: TimeInterval = 0.02, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try await condition() { return true }
        guard Date() < deadline else { return false }
        try? await Task.sleep(for: .seconds(interval))
    }
}
