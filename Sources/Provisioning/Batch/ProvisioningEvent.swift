import TokenDrivers
import USBTransport

/// What a batch reports while it runs, in order: a token taken in hand, what became of it, or a wait for arrivals.
public enum ProvisioningEvent: Sendable {
    /// This token is being programmed now (for a status line).
    case programming(TokenCandidate)
    /// One token's outcome, after its journal entry is written.
    case finished(ProvisionedToken)
    /// Nothing in hand: the batch waits for tokens to arrive.
    case waiting
}

/// One event of a batch, with the tally after it (for a status line).
public struct ProvisioningProgress: Sendable {
    /// What happened.
    public let event: ProvisioningEvent
    /// The outcomes counted so far, this event's included.
    public let tally: ProvisioningTally
}

/// Where one token of a batch stands.
public enum ProvisioningOutcome: String, Sendable, Codable {
    /// Programmed, read back (and its first code checked), committed in the journal.
    case done
    /// Left alone: committed already, or not of the family asked for.
    case skipped
    /// Not programmed (refused, or never opened); a journal record, if any, says failed.
    case failed
    /// Lost mid-way: the token may or may not hold the secret, whose seed the journal keeps; program it again.
    case uncertain
}

/// Why a token was skipped, failed or is uncertain.
public enum ProvisioningReason: Sendable, CustomStringConvertible {
    case otherFamily(asked: TokenFamily)
    case committedAlready
    case unopened(TokenDriverError)
    /// The supplied list of secrets has no unused one left.
    case secretsUsedUp
    case journal(SeedJournal.JournalError)
    case programming(HOTPProgrammingError)

    public var description: String {
        switch self {
        case .otherFamily(let asked): "not of the family asked for (\(asked.rawValue))"
        case .committedAlready: "committed in the journal"
        case .unopened(let error): error.description
        case .secretsUsedUp: "the supplied secrets are used up"
        case .journal(let error): error.description
        case .programming(let error) where error.leavesTokenUncertain:
            "\(error); the seed is kept in the journal, run again to reprogram the token"
        case .programming(let error): error.description
        }
    }

    /// The token refused the admin PIN: the batch stops.
    public var isRefusedPIN: Bool {
        if case .programming(let error) = self { return error.isRefusedPIN }
        return false
    }
}

/// One token's outcome in a batch. Never holds the secret.
public struct ProvisionedToken: Sendable {
    /// The token as it was found.
    public let candidate: TokenCandidate
    /// The serial the token reported (the candidate's when it was never opened; "?" when unknown).
    public let serial: String
    /// The slot programmed (nil for a token of another family, never opened).
    public let slot: Int?
    /// Done, skipped, failed or uncertain.
    public let outcome: ProvisioningOutcome
    /// Why, unless it is done.
    public let reason: ProvisioningReason?

    /// The token's address (`usb:BUS:ADDR`, `usbip://...`).
    public var address: String { candidate.address }
    /// Its family.
    public var family: TokenFamily { candidate.family }
}

/// How many tokens of a run ended how.
public struct ProvisioningTally: Sendable, Equatable {
    /// Programmed, read back and committed.
    public var done = 0
    /// Committed already, left alone.
    public var skipped = 0
    /// Refused or never opened.
    public var failed = 0
    /// Lost mid-way; their seeds are kept in the journal.
    public var uncertain = 0
    /// Tokens of other families than the one asked for, left alone (not counted as skipped).
    public var otherFamily = 0

    /// Nothing counted yet.
    public init() {}

    mutating func count(_ outcome: ProvisioningOutcome) {
        switch outcome {
        case .done: done += 1
        case .skipped: skipped += 1
        case .failed: failed += 1
        case .uncertain: uncertain += 1
        }
    }
}

/// Why a batch ended.
public enum ProvisioningEnd: Sendable, Equatable {
    /// `count` tokens are done.
    case countReached
    /// Every token present was handled and `wait` has passed.
    case noMoreTokens
    /// A stop was requested (the token in hand was finished first) or the batch's task was cancelled.
    case stopRequested
    /// A token refused the PIN: every further token would lose a try too.
    case refusedPIN(serial: String)
}
