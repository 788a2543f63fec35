import Verification

/// Whether the node may take traffic: what `/healthz` answers, and what Status-Server follows (a RADIUS node that
/// cannot decide must not tell a NAS it is alive). Ready when the database answers (and, for a local file, can still
/// be written where a restart will read it), no decision failed on the store lately, the master key is the store's
/// current one, and it opens a stored secret.
struct ReadinessCheck: Sendable {
    let verifier: Verifier
    let health: ServerHealth
    let databaseCheck: (@Sendable () async -> Bool)?
    let writeProbe: (@Sendable () async throws -> Void)?

    /// Throws the reason the node is not ready.
    func check() async throws {
        if let check = databaseCheck {
            guard await check() else { throw VerifierError.unavailable("the database does not answer") }
        } else {
            _ = try await verifier.administration.token(id: "")
        }
        if let failure = health.recentFailure { throw APIError(status: .serviceUnavailable, code: "not_ready", message: "", cause: "the last decision failed: \(failure)") }
        // Beyond what a read and the last decision show: a file deleted, replaced or read-only since (no lock taken).
        if let writeProbe {
            do { try await writeProbe() } catch {
                throw APIError(status: .serviceUnavailable, code: "not_ready", message: "", cause: "the database cannot be written: \(error)")
            }
        }
        // A `rotate-key` since this node started: it would seal under a retired key and cannot open resealed secrets.
        let current = verifier.keyring.current.id
        if let stored = try await verifier.administration.masterKeyID(), stored != current {
            throw APIError(status: .serviceUnavailable, code: "not_ready", message: "",
                           cause: VerifierError.masterKeyRetired(sealingKeyID: current, storeKeyID: stored).description)
        }
        if !health.keyOpensSecrets {
            do { try await health.checkKey(verifier) } catch {
                throw APIError(status: .serviceUnavailable, code: "not_ready", message: "", cause: "master key check: \(error)")
            }
        }
    }

    var isReady: Bool {
        get async { (try? await check()) != nil }
    }
}
