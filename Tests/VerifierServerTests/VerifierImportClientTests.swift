import DispatchExecutors
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OTPCore
import Provisioning
import Synchronization
import TestSupport
import Testing

/// Provisioning's hand-off client against the real verifier over loopback HTTP, and against servers that answer
/// what no verifier would (a redirect, a flood, silence, terminal escapes).
@Suite struct VerifierImportClientTests {
    static let seed = SeedRecord(serial: "00000077", slot: 0, family: "OpenHOTP", secret: InProcessServer.rfcSecret)
    /// The servers on a loopback port run here, not on Swift's cooperative pool, which the suite's blocking tests
    /// can hold for longer than a client's timeout.
    static let serverExecutor = DispatchQueueTaskExecutor(label: "otpkit.test.import-client", width: 4)
    /// The timeout of requests that must not time out, however busy the machine (the default is 10 s).
    static let patient: Duration = .seconds(60)

    /// The verifier's answer to an import of `seed`.
    static func importedAnswer() -> Response {
        Response(status: .created, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: #"{"imported":["00000077-0"],"skipped":[]}"#)))
    }

    @Test func aSeedIsImportedOnceAndItsCodesAreAccepted() async throws {
        let server = try await InProcessServer(tokens: 0)
        try await withTaskExecutorPreference(Self.serverExecutor) { try await server.test(.live) { client in
            let port = try #require(client.client.port)
            let importer = try VerifierImportClient(baseURL: "http://127.0.0.1:\(port)/", adminKey: server.adminKey, timeout: Self.patient)
            #expect(try await importer.send(Self.seed) == .imported)
            // The second sending leaves the token as it is.
            #expect(try await importer.send(Self.seed) == .alreadyThere)
            // The token reprogrammed: another seed under the same id is said apart, and the stored one is kept.
            var reprogrammed = Self.seed
            reprogrammed.secret = Secret.random(byteCount: 20)
            #expect(try await importer.send(reprogrammed) == .otherSeedThere)
            #expect(try await importer.checkAccess() == nil, "the admin key may import")

            let wrongKey = try VerifierImportClient(baseURL: "http://localhost:\(port)", adminKey: "not-a-key", timeout: Self.patient)
            let refused = try await wrongKey.send(SeedRecord(serial: "00000078", secret: InProcessServer.rfcSecret))
            #expect(refused == .refused(status: 401, code: "unauthorized") && !refused.isImported)
            #expect(refused.description == "refused (HTTP 401 unauthorized)", "the status and code, never the server's message")
            #expect(try await wrongKey.checkAccess() == refused, "the access check finds the wrong key before any seed")
            let verifyKey = try await server.createKey(role: .verify)
            let notAdmin = try VerifierImportClient(baseURL: "http://localhost:\(port)", adminKey: verifyKey, timeout: Self.patient)
            #expect(try await notAdmin.checkAccess() == .refused(status: 403, code: "forbidden"), "a verify key may not import")
        } }
        #expect(try await server.verifier.verify(tokenID: "00000077-0", code: InProcessServer.code(0)).accepted)
        #expect(try await server.verifier.verify(tokenID: "00000078", code: InProcessServer.code(0)) != .accepted(counter: 0),
                "the seed sent with a wrong key was not imported")
    }

    @Test(arguments: [
        ("ftp://verifier.example", "http(s)"),
        ("verifier.example:8400", "http(s)"),
        ("http://verifier.example:8400", "in the clear"),
        ("http://10.0.0.1:8400", "in the clear"),
        ("https://admin:hunter2@verifier.example", "user or password"),
        ("https://verifier.example/?key=hunter2", "query"),
        ("http://127.0.0.1%00.evil.example", "escapes"),
        ("http://%31%32%37.0.0.1", "escapes"),
        ("http://localhost.", "in the clear"),
        ("http://127.0.0.1.evil.example", "in the clear"),
    ])
    func unusableURLsAreRefusedBeforeAnythingIsSent(url: String, says: String) throws {
        #expect {
            _ = try VerifierImportClient(baseURL: url, adminKey: "key")
        } throws: { error in
            guard let error = error as? VerifierImportError, case .badURL = error else { return false }
            return error.description.contains(says) && !error.description.contains("hunter2")
        }
    }

    @Test func loopbackMayUsePlainHTTPAndTheKeyIsInNoDescription() throws {
        for url in ["http://127.0.0.1:8400", "http://127.1.2.3", "http://localhost:1", "http://[::1]:8400", "https://verifier.example"] {
            let client = try VerifierImportClient(baseURL: url, adminKey: "k3y-that-must-not-show")
            var dumped = ""
            dump(client, to: &dumped)
            #expect(!client.description.contains("k3y") && !String(reflecting: client).contains("k3y") && !dumped.contains("k3y"))
        }
        #expect(throws: VerifierImportError.badSetting("no admin API key given")) {
            try VerifierImportClient(baseURL: "https://verifier.example", adminKey: "")
        }
        #expect {
            try VerifierImportClient(baseURL: "https://verifier.example", adminKey: "k3y-from-a-file\r\n")
        } throws: { error in
            guard let error = error as? VerifierImportError, case .badSetting = error else { return false }
            return error.description.contains("line end") && !error.description.contains("k3y")
        }
    }

    @Test func aClosedPortIsUnreachable() async throws {
        let port = try LoopbackPorts.freeTCPPort()  // bound, released: nothing listens
        let importer = try VerifierImportClient(baseURL: "http://127.0.0.1:\(port)", adminKey: "key", timeout: .seconds(30))
        _ = await withTaskExecutorPreference(Self.serverExecutor) {
            await #expect(throws: VerifierImportError.unreachable("http://127.0.0.1:\(port)", reason: "the connection was refused")) {
                try await importer.send(Self.seed)
            }
        }
    }

    /// A server that is not a verifier: the key goes nowhere else, nothing it sends is read beyond the limit or
    /// shown raw, and silence ends at the timeout.
    @Test func aHostileServerGetsNoKeyAndCannotFloodOrHold() async throws {
        let elsewhere = Atomic<Int>(0)
        let router = Router()
        router.post("redirect/v1/tokens") { _, _ in
            Response(status: .temporaryRedirect, headers: [.location: "/elsewhere/v1/tokens"])
        }
        router.post("elsewhere/v1/tokens") { _, _ in
            elsewhere.add(1, ordering: .relaxed)
            return Self.importedAnswer()
        }
        router.post("flood/v1/tokens") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: 0x41, count: VerifierImportClient.answerLimit * 16)))
        }
        router.post("silent/v1/tokens") { _, _ in
            try await Task.sleep(for: .seconds(1))
            return Self.importedAnswer()
        }
        router.post("drip/v1/tokens") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                for _ in 0..<20 {
                    try await writer.write(ByteBuffer(string: " "))
                    try await Task.sleep(for: .milliseconds(100))
                }
                try await writer.finish(nil)
            })
        }
        router.post("bigredirect/v1/tokens") { _, _ in
            Response(status: .temporaryRedirect, headers: [.location: "/elsewhere/v1/tokens"],
                     body: .init(byteBuffer: ByteBuffer(repeating: 0x41, count: 1 << 20)))
        }
        router.post("escapes/v1/tokens") { _, _ in
            let message = "\u{1B}[2J\u{1B}]0;owned\u{07}\u{9B}31m\u{202E}" + String(repeating: "x", count: 5000)
            let body = try JSONSerialization.data(withJSONObject: ["error": ["code": "bad\u{1B}[31m", "message": message]])
            return Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        try await withTaskExecutorPreference(Self.serverExecutor) { try await Application(router: router).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let redirected = try await VerifierImportClient(baseURL: base + "/redirect", adminKey: "key", timeout: Self.patient).send(Self.seed)
            #expect(redirected == .refused(status: 307, code: ""))
            #expect(elsewhere.load(ordering: .relaxed) == 0, "the redirect was followed with the admin key")

            await #expect(throws: VerifierImportError.unusableAnswer(base + "/flood", reason: "an answer of more than 65536 bytes")) {
                try await VerifierImportClient(baseURL: base + "/flood", adminKey: "key", timeout: Self.patient).send(Self.seed)
            }

            await #expect(throws: VerifierImportError.unusableAnswer(base + "/bigredirect", reason: "an answer of more than 65536 bytes")) {
                try await VerifierImportClient(baseURL: base + "/bigredirect", adminKey: "key", timeout: Self.patient).send(Self.seed)
            }
            #expect(elsewhere.load(ordering: .relaxed) == 0)

            // The timeout holds to the fraction of a second, and covers an answer dripped out byte by byte.
            await #expect(throws: VerifierImportError.unreachable(base + "/silent", reason: "no answer within 0.3 seconds")) {
                try await VerifierImportClient(baseURL: base + "/silent", adminKey: "key", timeout: .milliseconds(300)).send(Self.seed)
            }
            #expect(try await VerifierImportClient(baseURL: base + "/silent", adminKey: "key", timeout: Self.patient).send(Self.seed) == .imported,
                    "an answer within the timeout is waited for")
            await #expect(throws: VerifierImportError.unreachable(base + "/drip", reason: "no answer within 0.5 seconds")) {
                try await VerifierImportClient(baseURL: base + "/drip", adminKey: "key", timeout: .milliseconds(500)).send(Self.seed)
            }

            let escaped = try await VerifierImportClient(baseURL: base + "/escapes", adminKey: "key", timeout: Self.patient).send(Self.seed)
            #expect(escaped == .refused(status: 500, code: ""), "a code that is not a word of [a-z_] is not shown")
            #expect(!escaped.description.unicodeScalars.contains { [.control, .format].contains($0.properties.generalCategory) },
                    "no terminal escapes (C0 or C1) or bidi overrides")
            #expect(!escaped.description.contains("owned") && !escaped.description.contains("xxxx"), "no message text")
        } }
    }

    /// Every 8-character piece of the seed's secret, in hex (either case) and in base32: none may show.
    static func secretPieces(_ seed: SeedRecord) -> [String] {
        let hex = seed.secret.hex, base32 = seed.secret.base32
        return [hex, hex.uppercased(), base32, base32.lowercased()].flatMap { text -> [String] in
            let characters = Array(text)
            return (0...(characters.count - 8)).map { String(characters[$0..<($0 + 8)]) }
        }
    }

    /// A server that echoes the request (a proxy's error page, a misconfigured gateway): its refusal shows the
    /// status and code only, never the echo with the seed, and its 201 that is not the verifier's counts nothing
    /// as imported.
    @Test func aServerEchoingTheSeedNeverGetsItShown() async throws {
        let router = Router()
        router.post("echo4xx/v1/tokens") { request, _ in
            let sent = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let body = try JSONSerialization.data(withJSONObject: ["error": ["code": "bad_request", "message": "cannot take \(sent)"]])
            return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.post("echocode/v1/tokens") { request, _ in
            let sent = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let body = try JSONSerialization.data(withJSONObject: ["error": ["code": sent, "message": sent]])
            return Response(status: .init(code: 422), body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.post("echo201/v1/tokens") { request, _ in
            Response(status: .created, body: .init(byteBuffer: try await request.body.collect(upTo: 1 << 20)))
        }
        router.post("other201/v1/tokens") { _, _ in
            Response(status: .created, body: .init(byteBuffer: ByteBuffer(string: #"{"imported":["someone-else"]}"#)))
        }
        let pieces = Self.secretPieces(Self.seed)
        try await withTaskExecutorPreference(Self.serverExecutor) { try await Application(router: router).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let echoed = try await VerifierImportClient(baseURL: base + "/echo4xx", adminKey: "key", timeout: Self.patient).send(Self.seed)
            #expect(echoed == .refused(status: 400, code: "bad_request"))
            let codeEchoed = try await VerifierImportClient(baseURL: base + "/echocode", adminKey: "key", timeout: Self.patient).send(Self.seed)
            #expect(codeEchoed == .refused(status: 422, code: ""), "an echo in the code field is no code")
            for outcome in [echoed, codeEchoed] {
                let shown = "\(outcome) \(String(reflecting: outcome))"
                #expect(!pieces.contains { shown.contains($0) }, "\(shown)")
            }

            for path in ["/echo201", "/other201"] {
                let error = await #expect(throws: VerifierImportError.self, "a 201 that is not the verifier's is not an import") {
                    try await VerifierImportClient(baseURL: base + path, adminKey: "key", timeout: Self.patient).send(Self.seed)
                }
                guard case .unusableAnswer(_, let reason)? = error else { Issue.record("\(String(describing: error))"); continue }
                #expect(reason.contains("does not name 00000077-0"))
                #expect(!pieces.contains { "\(error.map { "\($0)" } ?? "")".contains($0) })
            }
        } }
    }
}
