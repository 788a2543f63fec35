import Foundation
import Synchronization
import TestSupport
import Testing

/// otpkit's RADIUS front end (`otpkit verifier serve --radius-listen`) against the software that will call it
/// (issue 12, part 3): FreeRADIUS's clients radtest and radclient, PAM through pam_radius_auth and pamtester, and
/// FreeRADIUS as a proxy that hands a realm to otpkit. The peers and their fixtures are checked on their own by
/// `FreeRADIUSHarnessTests`. User alice owns token t0 (the RFC 4226 key: 755224, 287082, ... for counters 0, 1, ...).
@Suite(.serialized)
struct RADIUSPeerTests {
    typealias F = VerifierServerFixture
    typealias Server = RADIUSVerifierFixture
    static let secret = "radius-peer-secret"

    @Test func radtestAcceptsTheRightCodeAndRejectsAWrongOneAndTheReplay() throws {
        let server = try Server(clients: [.init(name: "radtest", secret: Self.secret)])
        let client = try RadiusClientTool(port: server.port, secret: Self.secret)
        let accepted = try client.radtest(user: "alice", password: F.code(0))
        #expect(accepted.kind == .accept && accepted.exitStatus == 0, "\(accepted)\n\(server.output)")
        #expect(try client.radtest(user: "alice", password: F.code(0)).kind == .reject, "the replay")
        #expect(try client.radtest(user: "alice", password: "000000").kind == .reject, "a wrong code")
        #expect(try client.radtest(user: "bob", password: F.code(1)).kind == .reject, "a user who owns no token")
        #expect(try client.radtest(user: "alice", password: F.code(1)).kind == .accept, "the next code")

        // The audit log names the client and the user of each decision, never the code.
        let audit = try String(contentsOfFile: server.verifier.auditPath, encoding: .utf8)
        #expect(audit.contains("radtest") && audit.contains("alice"), "\(audit)")
        #expect(!audit.contains(F.code(0)) && !audit.contains("000000"), "no code in the audit log")
    }

    @Test func radclientWithMessageAuthenticatorIsAcceptedAndWithoutItDropped() throws {
        let server = try Server(clients: [.init(name: "radclient", secret: Self.secret)])
        let client = try RadiusClientTool(port: server.port, secret: Self.secret, timeoutSeconds: 1, tries: 1)
        let accepted = try client.authenticate(user: "alice", password: F.code(0))
        #expect(accepted.kind == .accept, "\(accepted)\n\(server.output)")
        // Required by default (BlastRADIUS): a request without one is dropped unanswered, and decides nothing.
        let bare = try client.authenticate(user: "alice", password: F.code(1), messageAuthenticator: false)
        #expect(bare.kind == .noReply, "\(bare)")
        #expect(try client.authenticate(user: "alice", password: F.code(1)).kind == .accept, "the dropped request used no code")
    }

    @Test func aCodeFarAheadIsChallengedAndTheNextCodeWithItsStateAccepted() throws {
        let server = try Server(clients: [.init(name: "radclient", secret: Self.secret)])
        let client = try RadiusClientTool(port: server.port, secret: Self.secret)
        let challenge = try client.authenticate(user: "alice", password: F.code(50))
        #expect(challenge.kind == .challenge, "\(challenge)\n\(server.output)")
        #expect(!(challenge.replyMessage ?? "").isEmpty, "a Reply-Message asks for the next code")
        let state = try #require(challenge.state, "\(challenge)")
        #expect(!state.isEmpty)
        let resynced = try client.authenticate(user: "alice", password: F.code(51), state: state)
        #expect(resynced.kind == .accept, "\(resynced)")
        for code in [F.code(52), F.code(53)] {
            #expect(try client.authenticate(user: "alice", password: code, state: state).kind == .reject, "the State is spent")
        }
        #expect(try client.authenticate(user: "alice", password: F.code(52)).kind == .accept, "the counter followed the token")
    }

    /// Issue 20, item 1: a wrong answer spends the State and ends the resync; neither the right code with that State
    /// nor a tampered State logs in afterwards, and the audit log says what happened to each.
    @Test func aWrongAnswerSpendsTheChallengeAndATamperedStateIsRefused() throws {
        let server = try Server(clients: [.init(name: "radclient", secret: Self.secret)])
        let client = try RadiusClientTool(port: server.port, secret: Self.secret)
        let state = try #require(try client.authenticate(user: "alice", password: F.code(50)).state)
        #expect(try client.authenticate(user: "alice", password: "000000", state: state).kind == .reject, "a wrong answer")
        for code in [F.code(51), F.code(52)] {
            #expect(try client.authenticate(user: "alice", password: code, state: state).kind == .reject, "spent by the wrong answer")
        }
        let fresh = try #require(try client.authenticate(user: "alice", password: F.code(60)).state)
        var tampered = fresh
        tampered[tampered.count - 1] ^= 1
        #expect(try client.authenticate(user: "alice", password: F.code(61), state: tampered).kind == .reject, "a tampered State")
        #expect(try client.authenticate(user: "alice", password: F.code(61), state: fresh).kind == .accept, "the real one still answers")
        let audit = try String(contentsOfFile: server.verifier.auditPath, encoding: .utf8)
        for word in ["outcome=challenge_refused", "outcome=bad_state", "outcome=challenge_answered"] {
            #expect(audit.contains(word), "\(word) in \(audit)")
        }
        #expect(!audit.contains("outcome=unknown_token"), "\(audit)")
    }

    @Test func statusServerIsAnsweredAndTouchesNoToken() throws {
        let server = try Server(clients: [.init(name: "monitor", secret: Self.secret)])
        let client = try RadiusClientTool(port: server.port, secret: Self.secret)
        let status = try client.statusServer()
        #expect(status.kind == .accept, "\(status)\n\(server.output)")
        #expect(try client.authenticate(user: "alice", password: F.code(0)).kind == .accept)
    }

    @Test func aWrongSharedSecretGetsNoAnswerAtAll() throws {
        let server = try Server(clients: [.init(name: "radclient", secret: Self.secret)])
        let right = try RadiusClientTool(port: server.port, secret: Self.secret, timeoutSeconds: 1, tries: 2)
        let wrong = try right.withSecret("not-the-shared-secret")
        let withAuthenticator = try wrong.authenticate(user: "alice", password: F.code(0))
        #expect(withAuthenticator.kind == .noReply, "\(withAuthenticator)")
        let status = try wrong.statusServer()
        #expect(status.kind == .noReply, "\(status)")
        #expect(try right.authenticate(user: "alice", password: F.code(0)).kind == .accept, "nothing was decided")
    }

    @Test func pamtesterLogsInWithTheRightCodeAndFailsTheReplayAndAWrongCode() throws {
        // pam_radius_auth 2.0 (Debian 12) sends no Message-Authenticator: its entry must say so explicitly.
        let server = try Server(clients: [.init(name: "pam", secret: Self.secret, messageAuthenticator: .notSent)])
        let service = try PAMRadiusService(port: server.port, secret: Self.secret)
        let right = try service.authenticate(user: "alice", password: F.code(0))
        #expect(right.succeeded, "\(right)\n\(server.output)")
        #expect(try !service.authenticate(user: "alice", password: F.code(0)).succeeded, "the replay")
        #expect(try !service.authenticate(user: "alice", password: "000000").succeeded, "a wrong code")
        #expect(try service.authenticate(user: "alice", password: F.code(1)).succeeded, "the next code")
        // The resync challenge reaches the person at the prompt, and their next code completes it.
        let resynced = try service.authenticate(user: "alice", responses: [F.code(50), F.code(51)])
        #expect(resynced.succeeded, "\(resynced)")
    }

    @Test func freeRADIUSProxiesTheRealmToOtpkit() throws {
        // FreeRADIUS adds Message-Authenticator to what it proxies (FreeRADIUSHarnessTests checks it), so otpkit's
        // entry for the proxy keeps requiring it, even for a PAM login that reached the proxy without one.
        let server = try Server(clients: [.init(name: "freeradius-proxy", secret: Self.secret)])
        let proxy = try FreeRADIUSServer(FreeRADIUSConfiguration(
            role: .proxy(realm: "otpkit", homeServer: .init(port: server.port, secret: Self.secret), realmName: .strip),
            clientSecret: "site-secret"))
        let client = try RadiusClientTool(port: proxy.port, secret: "site-secret")
        let accepted = try client.radtest(user: "alice@otpkit", password: F.code(0))
        #expect(accepted.kind == .accept, "\(accepted)\n\(proxy.log.suffix(3000))\n\(server.output)")
        #expect(try client.radtest(user: "alice@otpkit", password: F.code(0)).kind == .reject, "the replay")
        #expect(try client.radtest(user: "alice@otpkit", password: "000000").kind == .reject, "a wrong code")
        #expect(try client.radtest(user: "alice@otpkit", password: F.code(1)).kind == .accept)
        let pam = try PAMRadiusService(port: proxy.port, secret: "site-secret")
        #expect(try pam.authenticate(user: "alice@otpkit", password: F.code(2)).succeeded)
        let challenge = try client.authenticate(user: "alice@otpkit", password: F.code(50))
        #expect(challenge.kind == .challenge, "the challenge passes the proxy: \(challenge)")
        let state = try #require(challenge.state)
        #expect(try client.authenticate(user: "alice@otpkit", password: F.code(51), state: state).kind == .accept)
        #expect(try client.authenticate(user: "alice@otpkit", password: F.code(52), state: state).kind == .reject, "the State is spent")
        let again = try #require(try client.authenticate(user: "alice@otpkit", password: F.code(80)).state)
        #expect(try client.authenticate(user: "alice@otpkit", password: "000000", state: again).kind == .reject, "a wrong answer")
        #expect(try client.authenticate(user: "alice@otpkit", password: F.code(81), state: again).kind == .reject, "spent by it")
    }

    /// A proxy that passes the realm on (`nostrip`): otpkit knows no user `alice@otpkit`, unless it runs with
    /// `--strip-realm`, which makes the name `alice`.
    @Test func aRealmPassedOnIsStrippedOnlyWithStripRealm() throws {
        for strip in [false, true] {
            let server = try Server(clients: [.init(name: "freeradius-proxy", secret: Self.secret)],
                                    serveArguments: strip ? ["--strip-realm"] : [])
            let proxy = try FreeRADIUSServer(FreeRADIUSConfiguration(
                role: .proxy(realm: "otpkit", homeServer: .init(port: server.port, secret: Self.secret), realmName: .keep),
                clientSecret: "site-secret"))
            let answer = try RadiusClientTool(port: proxy.port, secret: "site-secret").radtest(user: "alice@otpkit", password: F.code(0))
            #expect(answer.kind == (strip ? .accept : .reject), "--strip-realm \(strip): \(answer)\n\(server.output)")
            let audit = try String(contentsOfFile: server.verifier.auditPath, encoding: .utf8)
            #expect(audit.contains(strip ? "user=alice client=freeradius-proxy" : "user=alice@otpkit client=freeradius-proxy"), "\(audit)")
        }
    }
}

extension RADIUSPeerTests {
    /// Two nodes on one PostgreSQL database answer RADIUS: the same code sent to both at the same moment is accepted
    /// by exactly one of them, every round.
    @Test func oneCodeSentToTwoNodesAtOnceIsAcceptedByExactlyOne() throws {
        let cluster = try PostgresCluster.shared.get()
        let first = try Server(clients: [.init(name: "radclient", secret: Self.secret)], database: try cluster.createDatabase(),
                               environment: cluster.environment)
        let second = try Server(sharingWith: first)
        let clients = try [first, second].map { try RadiusClientTool(port: $0.port, secret: Self.secret, timeoutSeconds: 3, tries: 1) }
        for round in 0..<20 {
            let code = F.code(UInt64(round))
            let replies = Mutex<[RadiusReply.Kind]>([])
            VerifierClusterTests.atOnce(2) { node in
                let kind = (try? clients[node].authenticate(user: "alice", password: code).kind) ?? .unrecognised
                replies.withLock { $0.append(kind) }
            }
            let kinds = replies.withLock { $0 }
            #expect(kinds.filter { $0 == .accept }.count == 1 && kinds.filter { $0 == .reject }.count == 1,
                    "round \(round): \(kinds)\n\(first.output)\n\(second.output)")
        }
    }
}

extension RADIUSPeerTests {
    /// Issue 20, item 1: a challenge from node A answered to node B is accepted once; the same answer to either node
    /// afterwards is refused.
    @Test func aChallengeFromOneNodeIsAnsweredOnceOnAnyNode() throws {
        let cluster = try PostgresCluster.shared.get()
        let first = try Server(clients: [.init(name: "radclient", secret: Self.secret)], database: try cluster.createDatabase(),
                               environment: cluster.environment)
        let second = try Server(sharingWith: first)
        let clients = try [first, second].map { try RadiusClientTool(port: $0.port, secret: Self.secret, timeoutSeconds: 3, tries: 1) }
        for (round, (asked, answered)) in [(0, 1), (1, 0)].enumerated() {
            let ahead = UInt64(100 * (round + 1))
            let challenge = try clients[asked].authenticate(user: "alice", password: F.code(ahead))
            let state = try #require(challenge.state, "\(challenge)\n\(first.output)\n\(second.output)")
            #expect(try clients[answered].authenticate(user: "alice", password: F.code(ahead + 1), state: state).kind == .accept)
            for node in [asked, answered] {
                #expect(try clients[node].authenticate(user: "alice", password: F.code(ahead + 1), state: state).kind == .reject, "a replay to node \(node)")
                #expect(try clients[node].authenticate(user: "alice", password: F.code(ahead + 2), state: state).kind == .reject, "the next code with it")
            }
        }
    }
}

/// `otpkit verifier serve` with its RADIUS front end on a free loopback port: the database of a
/// `VerifierServerFixture` (token t0, RFC 4226 key), its RADIUS clients added and t0 assigned to `user` while no
/// server runs, then the server started with `--radius-listen 127.0.0.1:0`; ready once it printed
/// `radius listening on HOST:PORT`.
final class RADIUSVerifierFixture: Sendable {
    /// One `otpkit verifier radius-clients add`, all at 127.0.0.1 (where every peer of these tests sends from).
    struct ClientEntry {
        enum MessageAuthenticator {
            /// The default: requests without Message-Authenticator are dropped.
            case required
            /// `--no-message-authenticator`, for clients that cannot send it (pam_radius_auth 2.0).
            case notSent
        }

        var name: String
        var address = "127.0.0.1"
        var secret: String
        var messageAuthenticator = MessageAuthenticator.required
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let verifier: VerifierServerFixture
    /// The UDP port of its RADIUS front end, at 127.0.0.1.
    let port: Int
    private let server: ServiceProcess

    /// A node on its own SQLite database, or (`database`: a postgres:// URL, its password in `environment`) the
    /// first node of a shared PostgreSQL database.
    /// `serveArguments`: more options for `serve` (`--strip-realm`).
    convenience init(clients: [ClientEntry], user: String = "alice", database: String? = nil,
                     environment: [String: String] = [:], serveArguments: [String] = []) throws {
        try self.init(verifier: VerifierServerFixture(tokens: 1, database: database, environment: environment),
                      serveArguments: serveArguments) { verifier in
            try Self.add(clients, assigningTokenTo: user, in: verifier)
        }
    }

    /// Another node on `first`'s PostgreSQL database, with its master key: the clients and users are there already.
    convenience init(sharingWith first: RADIUSVerifierFixture) throws {
        let other = first.verifier
        try self.init(verifier: VerifierServerFixture(tokens: 0, database: other.database, keyFile: other.keyFile,
                                                      environment: other.environment)) { _ in }
    }

    /// Takes over the fixture's database: its HTTP-only server is stopped, `setUp` runs while no server does, then
    /// the server starts again with RADIUS.
    private init(verifier: VerifierServerFixture, serveArguments: [String] = [], setUp: (VerifierServerFixture) throws -> Void) throws {
        self.verifier = verifier
        verifier.kill()
        try setUp(verifier)
        (server, port) = try Self.serve(verifier, arguments: serveArguments)
    }

    private static func add(_ clients: [ClientEntry], assigningTokenTo user: String, in verifier: VerifierServerFixture) throws {
        for client in clients {
            let secretFile = verifier.folder.appendingPathComponent("radius-client-\(client.name).secret").path
            try PrivateFile.create(secretFile, contents: client.secret + "\n")
            let added = switch client.messageAuthenticator {
            case .required:
                try verifier.cli("verifier", "radius-clients", "add", "--name", client.name, "--address", client.address,
                                 "--secret-file", secretFile)
            case .notSent:
                try verifier.cli("verifier", "radius-clients", "add", "--name", client.name, "--address", client.address,
                                 "--secret-file", secretFile, "--no-message-authenticator")
            }
            guard added.status == 0 else { throw Failure(description: "radius-clients add: \(added.stderr)") }
            #expect(!added.stdout.contains(client.secret) && !added.stderr.contains(client.secret), "the secret is never echoed")
        }
        let assigned = try verifier.cli("verifier", "assign", "--token", "t0", "--user", user)
        guard assigned.status == 0 else { throw Failure(description: "assign: \(assigned.stderr)") }
    }

    /// `otpkit verifier serve` on the fixture's database, once it printed `radius listening on HOST:PORT`.
    private static func serve(_ verifier: VerifierServerFixture, arguments: [String]) throws -> (ServiceProcess, Int) {
        let database = ["--db", verifier.database] + (verifier.keyFile.map { ["--key-file", $0] } ?? [])
        let server = try ServiceProcess(
            name: "otpkit verifier serve", executable: ProjectPaths.otpkit.path,
            arguments: ["verifier", "serve", "--listen", "127.0.0.1:0", "--radius-listen", "127.0.0.1:0",
                        "--audit-log", verifier.auditPath] + database + arguments,
            environment: verifier.environment)
        let line = try server.waitForLine(containing: "radius listening on ")
        guard let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw Failure(description: "no port in \"\(line)\"")
        }
        return (server, port)
    }

    /// What the server printed (both streams), for failure messages.
    var output: String { server.output }

    deinit { server.stop() }
}
