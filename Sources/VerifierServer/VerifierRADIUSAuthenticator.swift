import Foundation
import RADIUS
import RADIUSServer
import Verification

/// Answers RADIUS Access-Requests from the verifier's users: the password is the user's PIN (when they have one)
/// followed by a code of one of their tokens. A code far enough ahead to start an auto-resync is answered with an
/// Access-Challenge asking for the next code; the answer, carrying the challenge's State, completes the resync. A State
/// is bound to the user and the RADIUS client that got it, and answered once: right or wrong, the answer spends it.
///
/// Every refusal is one Access-Reject without a reason (the audit log and the database's event rows have it). When
/// the store fails nothing is decided and nothing is answered, so the NAS retries or fails over to another node.
struct VerifierRADIUSAuthenticator: RADIUSAuthenticator {
    static let challengeMessage = "Your token's counter has drifted. Enter the next code of your token."

    let verifier: Verifier
    let work: DecisionWork
    let audit: AuditLog
    let metrics: ServerMetrics

    func decide(_ request: RADIUSAccessRequest) async -> RADIUSDecision {
        // Bytes that are not UTF-8 are decided (and refused) like any wrong password: at the same cost.
        let password = request.password.text ?? String(decoding: request.password.bytes, as: UTF8.self)
        let verifier = self.verifier
        do {
            let verification = try await work.deciding { () async throws -> UserVerification in
                if let state = request.state {
                    // The answer to a challenge is the code alone: the PIN went with the login that got the challenge.
                    try await verifier.answerResyncChallenge(user: request.userName, client: request.clientName, state: state, code: password)
                } else {
                    try await verifier.verify(user: request.userName, password: password, challengeClient: request.clientName)
                }
            }
            let label = request.state != nil && verification.outcome.accepted ? "challenge_answered" : verification.outcome.label
            metrics.decision("radius", outcome: label)
            audit.record("radius", token: verification.tokenID ?? "-", user: request.userName, client: request.clientName, outcome: label)
            switch verification.outcome {
            case .accepted:
                return .accept(replyMessage: nil)
            case .rejected(.resyncStarted):
                guard let state = verification.challengeState else { return .reject(replyMessage: nil) }
                return .challenge(state: state, replyMessage: Self.challengeMessage)
            case .rejected:
                return .reject(replyMessage: nil)
            }
        } catch {
            audit.record("radius", token: "-", user: request.userName, client: request.clientName, outcome: "not_decided")
            OperatorNotes.write("RADIUS request of \(request.clientName) not answered: \(error)")
            return .noAnswer
        }
    }
}
