import Foundation
import MasterKeys
import OTPCore

/// A token as the verifier keeps it: parameters, moving state and the sealed secret. No plaintext secret.
public struct VerifierToken: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case hotp
        case totp(period: Int)
    }

    /// A code found ahead of the look-ahead window, waiting for the next consecutive code (auto-resync).
    public struct PendingResync: Sendable, Equatable {
        public var counter: UInt64
        public var since: Date

        public init(counter: UInt64, since: Date) {
            self.counter = counter
            self.since = since
        }
    }

    public var id: String
    public var kind: Kind
    public var algorithm: OTPAlgorithm
    public var digits: Int
    /// HOTP: the counter the next valid code will use.
    public var counter: UInt64
    /// TOTP: the last time step accepted, so a TOTP code is single use too.
    public var lastTimeStep: UInt64?
    /// TOTP: how many time steps the token's clock runs ahead of ours (behind when negative), learnt from the last
    /// accepted code or a resync; the window is centred on now + drift.
    public var timeDrift: Int
    /// Look-ahead window (HOTP: codes after `counter`; TOTP: steps either side of now).
    public var window: Int
    /// How far resync searches: HOTP codes ahead of `counter`; TOTP steps in all, centred on now + drift.
    public var syncWindow: Int
    public var failures: Int
    public var lockedAt: Date?
    public var pendingResync: PendingResync?
    /// HOTP: the token accepts no code on its own until it is resynchronised from two consecutive codes (set on every
    /// HOTP token a restore from an older copy brings back, whose codes used since then would otherwise be valid again).
    public var resyncRequired: Bool
    public var sealedSecret: SealedSecret
    public var issuer: String?
    /// The user who owns the token (normalised, see `UserName`); nil: nobody, verified by id only.
    public var user: String?
    /// Bumped by every stored change; the store's compare-and-set checks it.
    public var version: Int64

    public init(id: String, kind: Kind = .hotp, algorithm: OTPAlgorithm = .sha1, digits: Int = 6, counter: UInt64 = 0,
                window: Int = VerifierPolicy.defaultWindow, syncWindow: Int = VerifierPolicy.defaultSyncWindow,
                sealedSecret: SealedSecret, issuer: String? = nil, timeDrift: Int = 0, user: String? = nil) {
        self.id = id
        self.kind = kind
        self.algorithm = algorithm
        self.digits = digits
        self.counter = counter
        self.lastTimeStep = nil
        self.timeDrift = timeDrift
        self.window = window
        self.syncWindow = syncWindow
        self.failures = 0
        self.lockedAt = nil
        self.pendingResync = nil
        self.resyncRequired = false
        self.sealedSecret = sealedSecret
        self.issuer = issuer
        self.user = user
        self.version = 0
    }
}

/// The verifier's rules. privacyIDEA's defaults: look-ahead 10, resync 1000, lockout after 10 failures.
public struct VerifierPolicy: Sendable {
    public static let defaultWindow = 10
    public static let defaultSyncWindow = 1000
    public static let defaultTOTPWindow = 1

    /// Consecutive failures that lock a token.
    public var maxFailures = 10
    /// A locked token unlocks by itself after this long; nil: only an administrator unlocks it.
    public var lockoutDuration: TimeInterval?
    /// Whether a code beyond the window (within the sync window) starts an auto-resync.
    public var autoResync = true
    /// How long the next consecutive code may take to complete an auto-resync.
    public var autoResyncTimeout: TimeInterval = 300

    public init() {}
}
