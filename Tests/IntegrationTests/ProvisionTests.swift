import Foundation
import OTPCore
import TestSupport
import Testing

/// `otpkit provision` against emulated tokens of every family, its journal, and the hand-off to the verifier.
@Suite(.serialized) struct ProvisionTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-provision-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aMixedBatchLandsInTheVerifierAndVerifies() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try EmulatorProcessFixture(tokens: 3, firstSerial: 500,
                                                  extraArguments: ["--token", "openhotp", "--token", "yubikey", "--token", "nitrokey-pro"])
        let pin = folder.appendingPathComponent("pin").path, password = folder.appendingPathComponent("pw").path
        try "12345678\n".write(toFile: pin, atomically: true, encoding: .utf8)
        try "batch password\n".write(toFile: password, atomically: true, encoding: .utf8)
        let journal = folder.appendingPathComponent("batch.journal").path, seeds = folder.appendingPathComponent("seeds.pskc").path
        let run = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--pin-file", pin,
                              "--out", seeds, "--password-file", password, "--json"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let batch = try ProvisionOutput(run)
        #expect(batch.outcomes == ["done", "done", "done"] && batch.events.map(\.family) == ["OpenHOTP", "YubiKey", "Nitrokey"], "\(run.stdout)")
        #expect(batch.events.map(\.serial) == ["00000500", "501", "502"] && batch.events.map(\.slot) == [0, 1, 0], "\(run.stdout)")
        #expect(batch.tally == .init(done: 3) && batch.journal == .init(committed: 3, uncertain: 0), "\(run.stdout)")
        #expect(!run.stdout.contains("secret"), "no secret on screen")

        let db = folder.appendingPathComponent("verifier.sqlite").path
        #expect(try otpkit(["verifier", "import", seeds, "--password-file", password, "--db", db]).status == 0)
        let openHOTPCode = try otpkit(["touch", "--device", emulator.device(1)]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let yubiKeyCode = try emulator.press("1-2", slot: 1)
        let nitrokeyCode = try otpkit(["touch", "--device", emulator.device(3)]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for (token, code) in [("00000500-0", openHOTPCode), ("501-1", yubiKeyCode), ("502-0", nitrokeyCode)] {
            let verified = try otpkit(["verifier", "verify", "--db", db, "--token", token, code, "--json"])
            #expect(try verified.status == 0 && verified.json(CLIOutput.Decision.self).accepted, "\(token): \(verified.stdout)\(verified.stderr)")
        }

        let again = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--pin-file", pin, "--json"])
        #expect(try again.status == 0 && ProvisionOutput(again).tally == .init(skipped: 3), "\(again.stdout)")
    }

    @Test func aTokenLostMidWriteStaysUncertainAndIsRedoneNextTime() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("batch.journal").path
        // Five feature-report transfers take the first token through GET_INFO, READ_SLOT and into the staged secret.
        let emulator = try EmulatorProcessFixture(tokens: 2, firstSerial: 600, extraArguments: ["--drop-after", "5"])
        let first = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--json"])
        #expect(first.status == 1, "\(first.stdout)")
        let lost = try ProvisionOutput(first)
        #expect(lost.outcomes.first == "uncertain" && lost.events.first?.serial == "00000600", "\(first.stdout)")
        #expect(lost.events.first?.detail?.contains("run again to reprogram") == true, "says what to do: \(first.stdout)")
        let second = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--json"])
        #expect(second.status == 0, "\(second.stdout)")
        let redone = try ProvisionOutput(second)
        #expect(redone.tally == .init(done: 1, skipped: 1), "\(second.stdout)")
        #expect(redone.journal == .init(committed: 2, uncertain: 1), "the old record stays as evidence: \(second.stdout)")
    }

    /// SIGKILL at random moments, then runs until done: every token ends committed, and each token's codes are
    /// those of the seed the journal committed for it (nothing lost, nothing mixed up).
    @Test func killedAtRandomMomentsThenResumed() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("batch.journal").path
        let emulator = try EmulatorProcessFixture(tokens: 12, firstSerial: 700)
        for delay in [0.05, 0.12, 0.2, 0.3] {
            let process = Process()
            process.executableURL = ProjectPaths.otpkit
            process.arguments = ["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try ProcessLaunch.run(process)
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        var finished = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal])
        for _ in 0..<3 where finished.status != 0 {
            Thread.sleep(forTimeInterval: 0.3)
            finished = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal])
        }
        #expect(finished.status == 0, "\(finished.stdout)\(finished.stderr)")
        let export = folder.appendingPathComponent("seeds.json").path
        #expect(try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--out", export,
                            "--format", "json"]).status == 0)
        let seeds = try JSONDecoder().decode([SeedRecord].self, from: Data(contentsOf: URL(fileURLWithPath: export)))
        #expect(seeds.count == 12 && Set(seeds.map(\.serial)).count == 12, "every token committed exactly once: \(seeds.map(\.serial))")
        #expect(Set(seeds.map(\.secret)).count == seeds.count, "no two tokens share a secret")
        for index in 1...12 {
            let code = try otpkit(["touch", "--device", emulator.device(index)]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let serial = String(format: "%08u", 700 + index - 1)
            let seed = try #require(seeds.first { $0.serial == serial })
            #expect(seed.counter == 1, "the first code was generated and checked during provisioning")
            #expect(code == (try HOTP(secret: seed.secret).code(counter: seed.counter)), "token \(serial) holds its committed seed")
        }
    }
}

/// The hand-off to a running verifier, and the audit trail.
@Suite(.serialized) struct ProvisionHandOffTests {
    @Test func pushIsIdempotentAndTheAuditLogHasNoSecrets() throws {
        let folder = try ProvisionTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("batch.journal").path, audit = folder.appendingPathComponent("audit.log").path
        let emulator = try EmulatorProcessFixture(tokens: 2, firstSerial: 900)
        let verifier = try VerifierServerFixture(tokens: 0)
        let environment = ["OTPKIT_VERIFIER_KEY": verifier.adminKey]
        let url = "http://127.0.0.1:\(verifier.port)"
        // A proxy named in the environment gets nothing: the admin key and the seeds go to the URL given only.
        let proxy = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(proxy) }
        let proxyURL = "http://127.0.0.1:\(try LoopbackPorts.bindToFreePort(proxy))"
        #expect(listen(proxy, 8) == 0)
        let first = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--push", url,
                                "--audit-log", audit, "--json"],
                               environment: environment.merging(["http_proxy": proxyURL, "HTTP_PROXY": proxyURL, "ALL_PROXY": proxyURL]) { $1 })
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let pushed = try ProvisionOutput(first).pushes
        #expect(pushed.map(\.push) == ["00000900-0", "00000901-0"] && pushed.allSatisfy { $0.outcome == "imported" }, "\(first.stdout)")
        _ = fcntl(proxy, F_SETFL, O_NONBLOCK)
        #expect(accept(proxy, nil, nil) == -1 && errno == EAGAIN, "the proxy was connected to")
        let again = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--push", url, "--json"],
                               environment: environment)
        let resent = try ProvisionOutput(again).pushes
        #expect(resent.count == 2 && resent.allSatisfy { $0.outcome == "already_there" }, "re-sent, nothing reset: \(again.stdout)")
        let code = try otpkit(["touch", "--device", emulator.device(1)]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try verifier.verify(verifier.client(), token: "00000900-0", code: code).body == #"{"accepted":true}"#)

        let trail = try String(contentsOfFile: audit, encoding: .utf8)
        #expect(trail.split(separator: "\n").count == 2 && trail.contains("serial=00000900 slot=0") && trail.contains("outcome=done"))
        let seeds = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(!trail.contains("secret") && !seeds.contains(code), "\(trail)")
        let exported = folder.appendingPathComponent("seeds.json").path
        #expect(try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--count", "0", "--out", exported,
                            "--format", "json"]).status == 0)
        let secrets = try JSONDecoder().decode([SeedRecord].self, from: Data(contentsOf: URL(fileURLWithPath: exported))).map(\.secret)
        #expect(secrets.count == 2)
        for secret in secrets {
            for text in [secret.hex, secret.hex.uppercased(), secret.base32] {
                #expect(!trail.contains(text) && !first.stdout.contains(text) && !first.stderr.contains(text) && !seeds.contains(text),
                        "a secret in the output, the audit log or the journal")
            }
        }

        // A wrong key is found before any token is touched.
        let wrongKey = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--reprogram", "--push", url],
                                  environment: ["OTPKIT_VERIFIER_KEY": "not-the-key"])
        #expect(wrongKey.status == 1 && wrongKey.stderr.contains("refused (HTTP 401 unauthorized)") && wrongKey.stderr.contains("nothing was programmed"),
                "\(wrongKey.stdout)\(wrongKey.stderr)")
        #expect(!wrongKey.stderr.contains("not-the-key"))
        #expect(try verifier.verify(verifier.client(), token: "00000900-0", code: try otpkit(["touch", "--device", emulator.device(1)]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)).body == #"{"accepted":true}"#, "the token still holds the seed the verifier has")

        // Reprogrammed tokens: the verifier keeps the seeds it has, and says so, in this run and in the one the
        // operator is told to run later.
        let reprogrammed = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--reprogram",
                                       "--push", url], environment: environment)
        #expect(reprogrammed.status == 1 && reprogrammed.stdout.components(separatedBy: "another seed is there, which the verifier keeps").count - 1 == 2,
                "a verifier holding the old seeds is not taken for done: \(reprogrammed.stdout)\(reprogrammed.stderr)")
        #expect(reprogrammed.stdout.contains("otpkit verifier delete --token 00000900-0"), "\(reprogrammed.stdout)")
        #expect(reprogrammed.stderr.contains("otpkit provision --resume \(journal) --count 0 --push \(url)"), "\(reprogrammed.stderr)")
        let later = try otpkit(["provision", "--resume", journal, "--count", "0", "--push", url, "--json"], environment: environment)
        let kept = try ProvisionOutput(later).pushes
        #expect(later.status == 1 && kept.count == 2 && kept.allSatisfy { $0.outcome == "other_seed_there" }, "\(later.stdout)\(later.stderr)")

        verifier.kill()
        let down = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--push", url],
                              environment: environment)
        #expect(down.status == 2 && down.stderr.contains("nothing was programmed (start the verifier"), "\(down.stderr)")
        #expect(down.stderr.contains("--resume \(journal) --count 0 --push \(url)"), "\(down.stderr)")
    }

    /// A server that echoes each request into its error (as some proxies and gateways do) answers the access check
    /// as a verifier would; `--push` then shows its refusals by status and code only, so the seeds stay out of the
    /// output and the CI log, in text and in JSON.
    @Test func aPushToAServerEchoingTheSeedsShowsNoSeed() throws {
        let folder = try ProvisionTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("batch.journal").path
        let emulator = try EmulatorProcessFixture(tokens: 1, firstSerial: 970)
        let echo = Process()
        echo.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        echo.arguments = ["-c", """
            import http.server, json, sys
            class Echo(http.server.BaseHTTPRequestHandler):
                def answer(self, status, body):
                    data = json.dumps(body).encode()
                    self.send_response(status); self.send_header("Content-Length", str(len(data))); self.end_headers()
                    self.wfile.write(data)
                def do_GET(self):
                    self.answer(404, {"error": {"code": "unknown_token", "message": "no such token"}})
                def do_POST(self):
                    sent = self.rfile.read(int(self.headers["Content-Length"])).decode()
                    self.answer(400, {"error": {"code": "bad_request", "message": "cannot read " + sent}})
                def log_message(self, *arguments): pass
            server = http.server.HTTPServer(("127.0.0.1", 0), Echo)
            print("listening on", server.server_address[1], flush=True)
            server.serve_forever()
            """]
        let output = try ChildOutputReader(launching: echo, name: "echo server")
        // SIGKILL: the test process may pass SIGTERM on ignored, and Python would then keep serving.
        defer { kill(echo.processIdentifier, SIGKILL); echo.waitUntilExit() }
        let port = String(try output.waitForLine(startingWith: "listening on ", timeout: 20).dropFirst("listening on ".count))
        let url = "http://127.0.0.1:\(port)"
        let push = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--push", url],
                              environment: ["OTPKIT_VERIFIER_KEY": "key"])
        #expect(push.status == 1 && push.stdout.contains("push     00000970-0: refused (HTTP 400 bad_request)"), "\(push.stdout)\(push.stderr)")
        let json = try otpkit(["provision", "--resume", journal, "--count", "0", "--push", url, "--json"],
                              environment: ["OTPKIT_VERIFIER_KEY": "key"])
        let refused = try #require(try ProvisionOutput(json).pushes.first, "\(json.stdout)\(json.stderr)")
        #expect(json.status == 1 && (refused.push, refused.outcome, refused.status, refused.code) == ("00000970-0", "refused", "400", "bad_request"),
                "\(json.stdout)\(json.stderr)")

        let exported = folder.appendingPathComponent("seeds.json").path
        #expect(try otpkit(["provision", "--resume", journal, "--count", "0", "--out", exported, "--format", "json"]).status == 0)
        let secret = try #require(try JSONDecoder().decode([SeedRecord].self, from: Data(contentsOf: URL(fileURLWithPath: exported))).first?.secret)
        let shown = push.stdout + push.stderr + json.stdout + json.stderr
        for text in [secret.hex, secret.hex.uppercased(), secret.base32, secret.base32.lowercased()] {
            let characters = Array(text)
            for start in 0...(characters.count - 8) {
                let piece = String(characters[start..<(start + 8)])
                #expect(!shown.contains(piece), "a piece of the seed (\(piece)) in the output")
            }
        }
    }

    /// Seeds never cross the network in plain http, and a URL that cannot be used costs no token.
    @Test func aPushURLThatCannotBeUsedIsRefusedBeforeAnyToken() throws {
        let folder = try ProvisionTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("batch.journal").path
        let emulator = try EmulatorProcessFixture(tokens: 1, firstSerial: 960)
        for url in ["http://verifier.example:8400", "ftp://verifier.example"] {
            let run = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--push", url],
                                 environment: ["OTPKIT_VERIFIER_KEY": "some-key"])
            #expect(run.status == 64 && run.stderr.contains("nothing was programmed"), "\(run.stderr)")
            #expect(!run.stderr.contains("some-key"))
        }
        #expect(!FileManager.default.fileExists(atPath: journal), "no journal was started")
        let slot = try otpkit(["counter", "--device", emulator.device(1)])
        #expect(slot.status != 0 && slot.stderr.contains("not programmed"), "the token was not touched: \(slot.stdout)\(slot.stderr)")
    }
}

/// A person feeding tokens one after another: the emulator plugs them in over time and provisioning waits for them.
@Suite struct ProvisionArrivalTests {
    @Test func provisionWaitsForTokensArrivingOneByOne() throws {
        let folder = try ProvisionTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try EmulatorProcessFixture(tokens: 3, firstSerial: 950, extraArguments: ["--arrive-every", "0.4"])
        let run = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal",
                              folder.appendingPathComponent("j").path, "--count", "3", "--wait", "10", "--json"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let arrived = try ProvisionOutput(run)
        #expect(arrived.tally == .init(done: 3) && arrived.events.map(\.serial) == ["00000950", "00000951", "00000952"], "\(run.stdout)")
        let unsupported = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal",
                                      folder.appendingPathComponent("j").path, "--family", "nitrokey", "--json"])
        let leftAlone = try ProvisionOutput(unsupported)
        #expect(leftAlone.tally == .init(otherFamily: 3) && leftAlone.journal == .init(committed: 3, uncertain: 0),
                "no token of that family: nothing touched: \(unsupported.stdout)")
        #expect(leftAlone.events.count == 3 && leftAlone.events.allSatisfy { $0.detail == "not of --family nitrokey" }, "\(unsupported.stdout)")
        #expect(leftAlone.summary?.contains(", 3 of other families left alone in ") == true, "and said so: \(unsupported.stdout)")
    }
}

/// Secrets from a seed file instead of generated ones: each used once, across runs too.
@Suite struct ProvisionSecretsFileTests {
    @Test func secretsFromAFileAreUsedOnceEach() throws {
        let folder = try ProvisionTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let list = folder.appendingPathComponent("secrets.csv").path
        let keys = (0..<3).map { _ in Secret.random(byteCount: 20) }
        try keys.enumerated().map { "\($0.offset + 1),,0,\($0.element.hex),,," }.joined(separator: "\n").write(toFile: list, atomically: true, encoding: .utf8)
        let journal = folder.appendingPathComponent("j").path
        let emulator = try EmulatorProcessFixture(tokens: 2, firstSerial: 970)
        let run = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--secrets", list, "--json"])
        #expect(try run.status == 0 && ProvisionOutput(run).tally == .init(done: 2), "\(run.stdout)\(run.stderr)")
        let code = try otpkit(["touch", "--device", emulator.device(2)]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(code == (try HOTP(secret: keys[1]).code(counter: 1)), "the second token got the second secret (its code 0 was checked)")
        let more = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--secrets", list, "--reprogram", "--json"])
        let usedUp = try ProvisionOutput(more)
        #expect(usedUp.events.map(\.detail).last == "the --secrets file has no unused secret left", "\(more.stdout)")
        #expect(usedUp.tally?.done == 1, "the third secret went to the first token; none was used twice: \(more.stdout)")
    }
}
