import RADIUS
import RADIUSServer
import Synchronization

/// A delegate that decides by password and records every request it was asked about:
/// "123456" accepts, "challenge" challenges with State 01020304, "654321" with that State accepts, anything else
/// rejects; user "down" gets no answer; user "slow" waits until `release()`.
final class TestAuthenticator: RADIUSAuthenticator {
    static let challengeState: [UInt8] = [1, 2, 3, 4]

    private let requests = Mutex<[RADIUSAccessRequest]>([])
    private let gate = ReleaseGate()

    var calls: [RADIUSAccessRequest] { requests.withLock { $0 } }
    var callCount: Int { requests.withLock { $0.count } }

    func release() { gate.release() }

    func decide(_ request: RADIUSAccessRequest) async -> RADIUSDecision {
        requests.withLock { $0.append(request) }
        if request.userName == "slow" { await gate.pass() }
        if request.userName == "down" { return .noAnswer }
        switch request.password.text {
        case "123456": return .accept(replyMessage: "Welcome")
        case "challenge": return .challenge(state: Self.challengeState, replyMessage: "Enter the next code")
        case "654321" where request.state == Self.challengeState: return .accept(replyMessage: nil)
        default: return .reject(replyMessage: "Wrong code")
        }
    }
}
