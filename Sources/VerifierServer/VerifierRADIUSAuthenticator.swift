import Foundation
import RADIUS
import RADIUSServer
import Verification

/// Answers RADIUS Access-Requests from the verifier's users: the password is the user's PIN (when they have one)
/// followed by a code of one of their tokens. A code far enough ahead to start an auto-resync is answered with an
/// Access-Challenge asking for the next code; the answer, carrying the challenge's State, completes the resync.
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
            let result = try await work.deciding { () async throws -> (UserVerification, [UInt8]?) in
                let result = if let state = request.state {
                    try await verifier.answerResyncChallenge(user: request.userName, state: state, code: password)
                } else {
                    try await verifier.verify(user: request.userName, password: password)
                }
                guard result.outcome == .rejected(.resyncStarted), let token = result.tokenID else { return (result, nil) }
                return (result, try verifier.resyncChallengeState(user: request.userName, tokenID: token))
            }
            let (verification, challenge) = result
            let label = verification.outcome.label
            metrics.decision("radius", outcome: label)
            audit.record("radius", token: verification.tokenID ?? "-", user: request.userName, client: request.clientName, outcome: label)
            switch verification.outcome {
            case .accepted:
                return .accept(replyMessage: nil)
            case .rejected(.resyncStarted) where challenge != nil:
                return .challenge(state: challenge!, replyMessage: Self.challengeMessage)
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
