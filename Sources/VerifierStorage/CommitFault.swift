import Foundation

/// A fault point for the durability tests: the store's writer can SIGKILL its own process right after a group commit
/// returned and before any caller of that batch is answered, the worst moment for "nothing answered accepted is
/// lost" (the batch is on disk, no client heard of it). Off unless `OTPKIT_TEST_SIGKILL_AFTER_COMMIT` is set; the
/// variable is read once, when the store opens.
public enum CommitFault: Sendable, Equatable {
    case none
    /// SIGKILL after the `n`th commit of decisions (1 is the first) returned.
    case killAfterDecisionCommit(Int)

    public static let environmentVariable = "OTPKIT_TEST_SIGKILL_AFTER_COMMIT"

    public static func fromEnvironment() -> CommitFault {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable], let count = Int(text), count > 0 else { return .none }
        return .killAfterDecisionCommit(count)
    }

    /// Called by the writer after each commit of decisions, before their answers.
    func afterDecisionCommit(_ count: Int) {
        if case .killAfterDecisionCommit(let target) = self, target == count { kill(getpid(), SIGKILL) }
    }
}
