import Foundation
import Synchronization
import Verification

/// What `/healthz` knows beyond its own cheap probe: whether the last decision failed for a reason of the node
/// (the store locked, full or gone, the master key wrong) and whether the master key opens the store's secrets.
///
/// A read probe cannot see a store that refuses writes (a locked SQLite file, a full disk) and costs nothing only if
/// it writes nothing, so the node remembers the last decision's store failure: not ready until a decision succeeds
/// again or `failureMemory` has passed (then traffic may test it again). The key check opens one sealed secret; it
/// runs until it succeeds once, and again after a decision failed on the key.
final class ServerHealth: Sendable {
    static let failureMemory: Duration = .seconds(30)

    private struct State {
        var failure: (cause: String, at: ContinuousClock.Instant)?
        var keyOpensSecrets = false
        /// The token whose secret the key check opens: found once, then read alone (no scan per probe).
        var probeTokenID: String?
    }

    private let state = Mutex(State())

    /// Notes how a request that needed the store ended: `error` nil for success.
    func noteDecision(_ error: VerifierError?) {
        state.withLock { state in
            switch error {
            case nil: state.failure = nil
            case .storage, .sealing:
                state.failure = (error!.description, .now)
            // An unreachable database is what the probe itself sees, and sees end: remembering it would keep a
            // node out of service for `failureMemory` after the database is back.
            case .unavailable: break
            case .badMasterKey, .unknownMasterKey, .sealedSecretDamaged, .masterKeyMissing, .wrongMasterKey, .rotationUnfinished,
                 .masterKeyRetired:
                state.failure = (error!.description, .now)
                state.keyOpensSecrets = false
            case .unknownToken, .duplicateToken, .tokenLocked, .counterWouldGoBack, .invalidToken, .contention, .invalidUser, .userOwnsNoToken,
                 .duplicateRADIUSClient, .unknownRADIUSClient: break
            }
        }
    }

    /// The cause of a recent store failure, if the node should not take traffic now.
    var recentFailure: String? {
        state.withLock { state in
            guard let failure = state.failure else { return nil }
            guard ContinuousClock.now - failure.at < Self.failureMemory else { state.failure = nil; return nil }
            return failure.cause
        }
    }

    var keyOpensSecrets: Bool { state.withLock { $0.keyOpensSecrets } }

    /// Opens one sealed secret with the verifier's keyring (an empty store has nothing to open and passes).
    func checkKey(_ verifier: Verifier) async throws(VerifierError) {
        var token: VerifierToken?
        if let probe = state.withLock({ $0.probeTokenID }) { token = try await verifier.administration.token(id: probe) }
        if token == nil {
            token = try await verifier.administration.tokens().first
            state.withLock { $0.probeTokenID = token?.id }
        }
        if let token { _ = try verifier.keyring.opened(token.sealedSecret, tokenID: token.id) }
        state.withLock { $0.keyOpensSecrets = true }
    }
}
