import Foundation
import TestSupport
import Testing

/// The real RADIUS peers and the fixtures that drive them, checked against FreeRADIUS itself as the server: radtest
/// and radclient (freeradius-utils), pam_radius_auth through pamtester, and FreeRADIUS as a proxy in front of a home
/// server. These stay: when a RADIUS peer test against otpkit fails, these say whether the peers still work.
@Suite(.serialized) struct FreeRADIUSHarnessTests {
    static let secret = "harness-secret"
    static let carol = FreeRADIUSConfiguration.ChallengeLogin(user: "carol", firstPassword: "first-code",
                                                              secondPassword: "second-code")

    /// A home server that accepts alice (and `alice@otpkit`, for a proxy that keeps the realm) and challenges carol.
    static func homeServer() throws -> FreeRADIUSServer {
        try FreeRADIUSServer(FreeRADIUSConfiguration(
            role: .home(users: ["alice": "right-password", "alice@otpkit": "realm-password"], challenge: carol),
            clientSecret: secret))
    }

    static func proxy(homePort: Int, realmName: FreeRADIUSConfiguration.RealmName = .strip) throws -> FreeRADIUSServer {
        try FreeRADIUSServer(FreeRADIUSConfiguration(
            role: .proxy(realm: "otpkit", homeServer: .init(port: homePort, secret: secret, responseWindowSeconds: 2),
                         realmName: realmName),
            clientSecret: "proxy-secret"))
    }

    @Test func radtestAndRadclientReadAcceptRejectAndStatus() throws {
        let home = try Self.homeServer()
        let client = try RadiusClientTool(port: home.port, secret: Self.secret, timeoutSeconds: 1, tries: 2)
        let accepted = try client.radtest(user: "alice", password: "right-password")
        #expect(accepted.kind == .accept && accepted.exitStatus == 0, "\(accepted)")
        let rejected = try client.radtest(user: "alice", password: "wrong-password")
        #expect(rejected.kind == .reject && rejected.exitStatus != 0, "\(rejected)")
        #expect(try client.authenticate(user: "alice", password: "right-password").kind == .accept)
        #expect(try client.authenticate(user: "alice", password: "right-password", messageAuthenticator: false).kind == .accept)
        #expect(try client.authenticate(user: "nobody", password: "right-password").kind == .reject)
        let status = try client.statusServer()
        #expect(status.kind == .accept, "\(status)")
        // A wrong secret: with Message-Authenticator FreeRADIUS drops the request unanswered; without, it rejects a
        // password that decodes to garbage, and radclient refuses that answer: the tool tells the two apart.
        let wrongSecret = try client.withSecret("not-the-secret")
        let dropped = try wrongSecret.authenticate(user: "alice", password: "right-password")
        #expect(dropped.kind == .noReply, "\(dropped)")
        let unverifiable = try wrongSecret.authenticate(user: "alice", password: "right-password", messageAuthenticator: false)
        #expect(unverifiable.kind == .unverifiableReply, "\(unverifiable)")
        #expect(home.log.contains("Login OK: [alice]"), "the server saw the logins")
    }

    @Test func aServerThatNeverAnswersIsNoReplyAndRadclientSendsMessageAuthenticatorOnlyWhenAsked() throws {
        let silent = try UDPDatagramCatcher()
        let client = try RadiusClientTool(port: silent.port, secret: Self.secret, timeoutSeconds: 1, tries: 1)
        let reply = try client.authenticate(user: "alice", password: "pw", messageAuthenticator: false)
        #expect(reply.kind == .noReply && reply.exitStatus != 0, "\(reply)")
        let plain = try #require(silent.next(timeout: 5).flatMap(RadiusDatagramSummary.init))
        #expect(plain.code == 1 && plain.text(RadiusDatagramSummary.userName) == "alice")
        #expect(!plain.has(RadiusDatagramSummary.messageAuthenticator), "radclient adds none unless asked")
        _ = try client.authenticate(user: "alice", password: "pw")
        let asked = try #require(silent.next(timeout: 5).flatMap(RadiusDatagramSummary.init))
        #expect(asked.has(RadiusDatagramSummary.messageAuthenticator))
    }

    @Test func challengeCarriesStateAndReplyMessageAndTheStateCompletesIt() throws {
        let home = try Self.homeServer()
        let client = try RadiusClientTool(port: home.port, secret: Self.secret)
        let challenge = try client.authenticate(user: "carol", password: Self.carol.firstPassword)
        #expect(challenge.kind == .challenge, "\(challenge)")
        #expect(challenge.state == Self.carol.state)
        #expect(challenge.replyMessage == Self.carol.replyMessage)
        let state = try #require(challenge.state)
        #expect(try client.authenticate(user: "carol", password: Self.carol.secondPassword, state: state).kind == .accept)
        #expect(try client.authenticate(user: "carol", password: Self.carol.secondPassword).kind == .reject, "no State, no accept")
        #expect(try client.authenticate(user: "carol", password: "wrong", state: state).kind == .reject)
    }

    @Test func pamtesterLogsInThroughPamRadiusAndFailsAWrongPassword() throws {
        let home = try Self.homeServer()
        let service = try PAMRadiusService(port: home.port, secret: Self.secret)
        #expect(FileManager.default.fileExists(atPath: service.serviceFile))
        let mode = try FileManager.default.attributesOfItem(atPath: service.serverFile)[.posixPermissions] as? Int
        #expect(mode == 0o600, "pam_radius's server file holds the shared secret")
        let right = try service.authenticate(user: "alice", password: "right-password")
        #expect(right.succeeded, "\(right)")
        let wrong = try service.authenticate(user: "alice", password: "wrong-password")
        #expect(!wrong.succeeded && wrong.exitStatus != 0, "\(wrong)")
        // pam_radius shows a challenge's Reply-Message as a prompt and sends the answer with the State.
        let challenged = try service.authenticate(user: "carol", responses: [Self.carol.firstPassword, Self.carol.secondPassword])
        #expect(challenged.succeeded && challenged.output.contains(Self.carol.replyMessage), "\(challenged)")
        #expect(try !service.authenticate(user: "carol", responses: [Self.carol.firstPassword, "wrong"]).succeeded)
    }

    @Test func thePamServiceFileIsRemovedWithTheFixture() throws {
        var service: PAMRadiusService? = try PAMRadiusService(port: 9, secret: Self.secret)
        let file = try #require(service?.serviceFile)
        #expect(FileManager.default.fileExists(atPath: file))
        service = nil
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    /// Debian 12's pam_radius_auth 2.0.0 sends no Message-Authenticator: otpkit's client entry for it must say so.
    @Test func pamRadiusSendsNoMessageAuthenticator() throws {
        let silent = try UDPDatagramCatcher()
        let service = try PAMRadiusService(port: silent.port, secret: Self.secret, timeoutSeconds: 1)
        let outcome = try service.authenticate(user: "alice", password: "pw")
        #expect(!outcome.succeeded)
        let request = try #require(silent.next(timeout: 5).flatMap(RadiusDatagramSummary.init))
        #expect(request.code == 1 && request.text(RadiusDatagramSummary.userName) == "alice")
        #expect(!request.has(RadiusDatagramSummary.messageAuthenticator), "\(request.attributeTypes)")
    }

    @Test func proxyPassesAcceptRejectAndChallengeOfTheRealmThrough() throws {
        let home = try Self.homeServer()
        let proxy = try Self.proxy(homePort: home.port)
        let client = try RadiusClientTool(port: proxy.port, secret: "proxy-secret")
        let accepted = try client.radtest(user: "alice@otpkit", password: "right-password")
        #expect(accepted.kind == .accept, "\(accepted)\n\(proxy.log.suffix(3000))")
        #expect(try client.radtest(user: "alice@otpkit", password: "wrong-password").kind == .reject)
        #expect(try client.radtest(user: "alice", password: "right-password").kind == .reject, "no realm: not proxied")
        let challenge = try client.authenticate(user: "carol@otpkit", password: Self.carol.firstPassword)
        #expect(challenge.kind == .challenge && challenge.replyMessage == Self.carol.replyMessage, "\(challenge)")
        let state = try #require(challenge.state)
        #expect(try client.authenticate(user: "carol@otpkit", password: Self.carol.secondPassword, state: state).kind == .accept)
        #expect(try client.statusServer().kind == .accept, "the proxy answers Status-Server itself")
        #expect(home.log.contains("Login OK: [alice]"), "the home server saw the stripped name")
    }

    @Test func proxyKeepsTheRealmWhenToldTo() throws {
        let home = try Self.homeServer()
        let proxy = try Self.proxy(homePort: home.port, realmName: .keep)
        let client = try RadiusClientTool(port: proxy.port, secret: "proxy-secret")
        let accepted = try client.radtest(user: "alice@otpkit", password: "realm-password")
        #expect(accepted.kind == .accept, "\(accepted)")
        #expect(try client.radtest(user: "alice@otpkit", password: "right-password").kind == .reject, "alice's password is not alice@otpkit's")
    }

    /// FreeRADIUS 3.2.1 as a proxy adds Message-Authenticator to every proxied Access-Request, even when its client
    /// sent none (pam_radius 2.0), and Proxy-State; it strips the realm by default. So otpkit's client entry for a
    /// FreeRADIUS proxy needs no --no-message-authenticator.
    @Test func proxyAddsMessageAuthenticatorAndStripsTheRealm() throws {
        let home = try UDPDatagramCatcher()
        let proxy = try Self.proxy(homePort: home.port)
        let client = try RadiusClientTool(port: proxy.port, secret: "proxy-secret", timeoutSeconds: 1, tries: 1)
        _ = try client.authenticate(user: "alice@otpkit", password: "pw", messageAuthenticator: false)
        let proxied = try #require(home.next(timeout: 10).flatMap(RadiusDatagramSummary.init), "\(proxy.log.suffix(3000))")
        #expect(proxied.code == 1 && proxied.wellFormed)
        #expect(proxied.text(RadiusDatagramSummary.userName) == "alice")
        #expect(proxied.has(RadiusDatagramSummary.messageAuthenticator), "\(proxied.attributeTypes)")
        #expect(proxied.has(RadiusDatagramSummary.proxyState))
    }
}
