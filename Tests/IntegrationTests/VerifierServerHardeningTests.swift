import Foundation
import OTPCore
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The verification server against a careless operator and a hostile client, end to end over a real socket: a
/// closed stderr, the metrics listener, idle connections by the hundred, costly imports, a store or key that fails.
/// (What the HTTP API answers is tested in process: Tests/VerifierServerTests.)
@Suite(.serialized) struct VerifierServerHardeningTests {
    typealias F = VerifierServerFixture

    static let accepted = #"{"accepted":true}"#
    static let refused = #"{"accepted":false}"#

    // MARK: Audit failures (issue 11, item 2)

    /// Audit lines on stderr, and stderr a pipe whose reader went away: EPIPE (no SIGPIPE death), answers kept.
    @Test func auditToAClosedStderrPipeCostsNoAnswer() throws {
        let server = try F(tokens: 1, launch: .init(auditLog: "", closedStderr: true))
        let client = server.client()
        #expect(try server.verify(client, token: "t0", code: F.code(0)).body == Self.accepted)
        #expect(try server.verify(client, token: "t0", code: F.code(0)).body == Self.refused, "the decision was durable")
        #expect(try server.verify(client, token: "t0", code: F.code(1)).body == Self.accepted)
        #expect(server.process.isRunning, "SIGPIPE did not kill the server")
        #expect(try client.send("GET", "/metrics").body.contains("otpkit_audit_write_failures_total 3"))
        server.kill(signal: SIGTERM)
        #expect(server.process.terminationReason == .exit, "ended by SIGTERM's graceful shutdown, not by a signal")
    }

    // MARK: Metrics (item 11)

    /// The public /metrics says accepted or refused; the reasons are only on the metrics listener.
    @Test func metricsByReasonOnlyOnTheMetricsListener() throws {
        let server = try F(tokens: 2, extraArguments: ["--metrics-listen", "127.0.0.1:0"])
        let client = server.client()
        _ = try server.verify(client, token: "t0", code: F.code(0))
        _ = try server.verify(client, token: "t0", code: F.code(0))  // replay
        _ = try server.verify(client, token: "nobody", code: "123456")
        _ = try server.verify(client, token: "t1", code: "000000")
        let publicText = try client.send("GET", "/metrics").body
        #expect(publicText.contains(#"otpkit_decisions_total{kind="verify",outcome="accepted"} 1"#), "\(publicText)")
        #expect(publicText.contains(#"otpkit_decisions_total{kind="verify",outcome="refused"} 3"#), "\(publicText)")
        for reason in ["replay", "unknown_token", "wrong_code", "locked"] {
            #expect(!publicText.contains("outcome=\"\(reason)\""), "the public port tells \(reason)")
        }
        let metricsPort = try #require(server.metricsPort, "\(server.startText)")
        let detailed = try HTTPTestClient(port: metricsPort).send("GET", "/metrics").body
        for reason in ["replay", "unknown_token", "wrong_code"] {
            #expect(detailed.contains("kind=\"verify\",outcome=\"\(reason)\"} 1"), "\(reason): \(detailed)")
        }
        #expect(try HTTPTestClient(port: metricsPort).send("POST", "/v1/verify", body: "{}").status == 404, "only metrics there")
    }

    // MARK: Connections (item 13)

    /// Under `ulimit -n 256`, 300 idle connections: the server caps what it accepts below its descriptor limit, does
    /// not spin, answers a real request once the idle timeout frees slots, and closes idle and dawdling connections.
    @Test func idleConnectionsAreCappedAndClosed() throws {
        let idle = 2.0
        let server = try F(tokens: 1, extraArguments: ["--idle-timeout", String(idle)], launch: .init(shellPrefix: "ulimit -n 256"))
        // A client sending its head a byte at a time, and one sending its body too slowly: both are cut off too.
        let slowHead = Self.connect(port: server.port), slowBody = Self.connect(port: server.port)
        Self.send(slowHead, "POST /v1/verify HTTP/1.1\r\nHost: x\r\n")
        Self.send(slowBody, "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        // The trickle stops before the sockets close: a descriptor number reused by a later test must get no bytes.
        let stopTrickle = DispatchSemaphore(value: 0), trickled = DispatchGroup()
        DispatchQueue.global().async(group: trickled) {
            while stopTrickle.wait(timeout: .now() + idle / 2) == .timedOut { Self.send(slowBody, " ") }
        }
        let sockets = [slowHead, slowBody] + (0..<300).map { _ in Self.connect(port: server.port) }
        defer {
            stopTrickle.signal()
            trickled.wait()
            sockets.forEach { if $0 >= 0 { close($0) } }
        }
        #expect(sockets.allSatisfy { $0 >= 0 })

        // The server accepts up to its cap (an event of its own: its descriptors) and no further.
        let openDescriptors = { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(server.process.processIdentifier)/fd").count) ?? 0 }
        #expect(eventually { openDescriptors() > 150 }, "the server accepted the connections: \(openDescriptors()) open")
        let descriptors = openDescriptors()
        #expect(descriptors < 256, "the cap keeps descriptors below the limit: \(descriptors) open")

        // The request waits for a slot the idle timeout frees. Meanwhile the server must not spin: a busy loop would
        // burn about a core for the whole wait, however slow the machine, so the CPU it used is measured against
        // the wait itself rather than against a fixed time.
        let cpuBefore = server.cpuSeconds, start = Date()
        let answer = try server.verify(server.client(), token: "t0", code: F.code(0))
        let waited = Date().timeIntervalSince(start), cpuUsed = server.cpuSeconds - cpuBefore
        #expect(answer.body == Self.accepted)
        #expect(cpuUsed < waited * 0.5, "the server used \(cpuUsed) s of CPU in the \(waited) s it held idle connections")
        #expect(server.process.isRunning)

        // Every connection opened above is closed by the server within a few idle timeouts.
        let deadline = Date().addingTimeInterval(idle * 3 + 5)
        var open = sockets.count
        while open > 0, Date() < deadline {
            open = sockets.filter { !Self.isClosedByPeer($0, wait: 0.05) }.count
        }
        #expect(open == 0, "\(open) of \(sockets.count) connections still open: \(sockets.indices.filter { !Self.isClosedByPeer(sockets[$0], wait: 0) })")
        #expect(Self.isClosedByPeer(slowHead, wait: 0) && Self.isClosedByPeer(slowBody, wait: 0))
    }

    static func connect(port: Int) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return -1 }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 || errno == EINPROGRESS else { close(descriptor); return -1 }
        return descriptor
    }

    @discardableResult
    static func send(_ descriptor: Int32, _ text: String) -> Int {
        var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        _ = poll(&entry, 1, 2000)
        return Array(text.utf8).withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Whether the server closed (or reset) the connection: its end of stream (or an error) reached, after
    /// discarding whatever it answered first.
    static func isClosedByPeer(_ descriptor: Int32, wait: Double) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(wait * 1000)) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 { continue }
            return count == 0 || errno != EAGAIN
        }
    }

    // MARK: Imports (item 14)

    /// Two imports of a PSKC file whose PBKDF2 takes seconds: verifications answered meanwhile stay fast.
    @Test func verificationIsNotHeldUpByCostlyImports() throws {
        let server = try F(tokens: 1)
        let pskc = try PSKCFile.passwordProtected(iterations: 3_000_000, password: "pw", serials: ["slow1"])
        let importsDone = DispatchGroup()
        let lock = NSLock()
        nonisolated(unsafe) var importEnds: [Date] = []
        for _ in 0..<2 {
            DispatchQueue.global().async(group: importsDone) {
                let client = HTTPTestClient(port: server.port)
                _ = try? client.send("POST", "/v1/tokens", body: pskc,
                                     headers: ["Authorization": "Bearer \(server.adminKey)", "X-PSKC-Password": "pw"])
                lock.withLock { importEnds.append(Date()) }
            }
        }
        // The imports are under way once the server spends CPU on their key derivation (an event of the server's,
        // not a guess at how long their requests take to arrive).
        let cpuBefore = server.cpuSeconds
        #expect(eventually(every: 0.01) { server.cpuSeconds - cpuBefore >= 0.2 }, "the imports never started")
        let client = server.client()
        var lastVerify = Date()
        for counter in 0..<UInt64(10) {
            #expect(try server.verify(client, token: "t0", code: F.code(counter)).body == Self.accepted)
            lastVerify = Date()
        }
        importsDone.wait()
        // Verifications held behind the imports would end after them: all ten end while both still run.
        #expect(importEnds.count == 2 && importEnds.allSatisfy { $0 > lastVerify }, "the verifications waited for the imports")
    }

    /// Imports beyond the one running and four waiting are refused at once with 503 `imports_busy`, not queued.
    @Test func importsBeyondTheQueueAreRefusedAtOnce() throws {
        let server = try F(tokens: 1)
        let pskc = try PSKCFile.passwordProtected(iterations: 2_000_000, password: "pw", serials: ["queued"])
        let lock = NSLock()
        nonisolated(unsafe) var statuses: [Int] = []
        // Threads of their own (not a pool sized to the cores), so that all eight are sent at once.
        let done = DispatchGroup()
        for _ in 0..<8 {
            done.enter()
            Thread {
                let response = try? HTTPTestClient(port: server.port).send(
                    "POST", "/v1/tokens", body: pskc, headers: ["Authorization": "Bearer \(server.adminKey)", "X-PSKC-Password": "pw"])
                lock.withLock { statuses.append(response.map { $0.body.contains("imports_busy") ? 503 : $0.status } ?? 0) }
                done.leave()
            }.start()
        }
        done.wait()
        #expect(statuses.filter { $0 == 503 }.count == 3, "\(statuses)")
        #expect(statuses.filter { $0 == 201 }.count == 1 && statuses.filter { $0 == 409 }.count == 4, "one imported, four duplicates: \(statuses)")
        #expect(server.stderrText.contains("503 POST /v1/tokens imports_busy"), "\(server.stderrText)")
    }

    // MARK: Health (item 16)

    /// A master key that opens none of the store's secrets is refused when the server starts (exit 5, never
    /// "listening", the reason on stderr); a key rotated under a running server makes its /healthz not ready
    /// (VerifierRotationTests).
    @Test func aWrongMasterKeyIsRefusedAtStart() throws {
        let server = try F(tokens: 1)
        server.kill()
        let otherKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        server.environment = ["OTPKIT_MASTER_KEY": otherKey]
        #expect(throws: (any Error).self) { try server.start() }
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 5)
        let notes = server.stderrText
        #expect(notes.contains("the database's secrets are sealed under master key"), "\(notes)")
        #expect(!notes.contains("listening on"), "\(notes)")
    }

    /// A store that refuses writes (another process holds SQLite's write lock): the read probe alone would say
    /// ready; the failed decision makes /healthz not ready, with its cause on stderr, until a decision succeeds.
    @Test func healthRemembersTheLastDecisionsStoreFailure() throws {
        let server = try F(tokens: 1)
        let client = server.client()
        #expect(try client.send("GET", "/healthz").status == 200)
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        locker.arguments = ["-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute('BEGIN IMMEDIATE')\nprint('locked', flush=True)\nsys.stdin.read()",
                            server.database]
        let lockerIn = Pipe()
        locker.standardInput = lockerIn
        let lockerOut = try ChildOutputReader(launching: locker, name: "python3 holding the write lock")
        defer { if locker.isRunning { locker.terminate() } }
        try lockerOut.waitForLine(containing: "locked")

        let refused = try server.verify(client, token: "t0", code: F.code(0))
        #expect(refused.status == 503, "\(refused.body)")
        let health = try client.send("GET", "/healthz")
        #expect(health.status == 503 && health.body.contains("not_ready"), "\(health.body) \(server.stderrText)")
        #expect(server.stderrText.contains("503 POST /v1/verify unavailable: token store:"), "\(server.stderrText)")
        #expect(server.stderrText.contains("503 GET /healthz not_ready: the last decision failed"), "\(server.stderrText)")

        try lockerIn.fileHandleForWriting.close()
        locker.waitUntilExit()
        #expect(try server.verify(client, token: "t0", code: F.code(0)).body == Self.accepted)
        #expect(try client.send("GET", "/healthz").status == 200)
    }

    // MARK: Messages (item 19)

    /// HTTP clients are told the header or JSON field, never a CLI option.
    @Test func errorsNameHeadersAndFieldsNotOptions() throws {
        let server = try F(tokens: 1)
        let client = server.client()
        let auth = ["Authorization": "Bearer \(server.adminKey)"]
        let pskc = try PSKCFile.passwordProtected(iterations: 1000, password: "pw", serials: ["enc1"])
        let needsKey = try client.send("POST", "/v1/tokens", body: pskc, headers: auth)
        #expect(needsKey.status == 400 && needsKey.body.contains("X-PSKC-Password"), "\(needsKey.body)")
        #expect(!needsKey.body.contains("--"), "\(needsKey.body)")
        _ = try client.send("PUT", "/v1/tokens/t0/counter", body: #"{"counter":9}"#, headers: auth)
        let back = try client.send("PUT", "/v1/tokens/t0/counter", body: #"{"counter":1}"#, headers: auth)
        #expect(back.status == 409 && back.body.contains(#"\"force\": true"#) && !back.body.contains("--force"), "\(back.body)")
    }

    /// Items 8, 9 and 19 over HTTP: an encrypted file without a MAC is refused (naming the header that allows it) and
    /// imports with `X-PSKC-Allow-Missing-MAC: true`; a PIN key beside an HOTP key is skipped and said so in the answer.
    @Test func importsSayWhatTheySkippedAndNeedConsentForMissingMACs() throws {
        let server = try F(tokens: 1)
        let client = server.client()
        let auth = ["Authorization": "Bearer \(server.adminKey)"]
        let psk = "12345678901234567890123456789012"
        let script = """
        import re, sys, pskc
        p = pskc.PSKC()
        p.add_key(id='1', serial='NOMAC1', secret=b'12345678901234567890', counter=3,
                  algorithm='urn:ietf:params:xml:ns:keyprov:pskc:hotp', response_length=6)
        p.encryption.setup_preshared_key(key=bytes.fromhex(sys.argv[1]))
        p.write(sys.stdout.buffer)
        """
        let written = try Subprocess.run("/usr/bin/python3", ["-c", script, psk])
        try #require(written.status == 0, "\(written.stderr)")
        let noMAC = written.stdout.replacingOccurrences(of: #"<pskc:MACMethod[\s\S]*?</pskc:MACMethod>"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: #"<pskc:ValueMAC>[\s\S]*?</pskc:ValueMAC>"#, with: "", options: .regularExpression)
        try #require(!noMAC.contains("MACMethod") && !noMAC.contains("ValueMAC"), "\(noMAC)")
        let refused = try client.send("POST", "/v1/tokens", body: noMAC, headers: auth.merging(["X-PSKC-Key": psk]) { $1 })
        #expect(refused.status == 400 && refused.body.contains("missing_mac") && refused.body.contains("X-PSKC-Allow-Missing-MAC"), "\(refused.body)")
        let allowed = try client.send("POST", "/v1/tokens", body: noMAC,
                                      headers: auth.merging(["X-PSKC-Key": psk, "X-PSKC-Allow-Missing-MAC": "true"]) { $1 })
        #expect(allowed.status == 201 && allowed.body.contains("NOMAC1"), "\(allowed.body)")

        let withPIN = """
        <?xml version="1.0" encoding="UTF-8"?>
        <KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
         <KeyPackage><DeviceInfo><SerialNo>987654321</SerialNo></DeviceInfo>
          <Key Id="1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
           <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
           <Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret><Counter><PlainValue>0</PlainValue></Counter></Data>
          </Key>
         </KeyPackage>
         <KeyPackage><DeviceInfo><SerialNo>987654321</SerialNo></DeviceInfo>
          <Key Id="123456781" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:pin">
           <Data><Secret><PlainValue>MTIzNA==</PlainValue></Secret></Data>
          </Key>
         </KeyPackage>
        </KeyContainer>
        """
        let imported = try client.send("POST", "/v1/tokens", body: withPIN, headers: auth)
        #expect(imported.status == 201, "\(imported.body)")
        let answer = try JSONSerialization.jsonObject(with: Data(imported.body.utf8)) as? [String: [String]]
        #expect(answer?["imported"] == ["987654321"], "\(imported.body)")
        #expect(answer?["skipped"]?.count == 1 && answer?["skipped"]?.first?.contains("123456781") == true, "\(imported.body)")
    }

    /// `serve --help` tells the order of the start lines as the server prints them.
    @Test func serveHelpTellsTheStartLinesInOrder() throws {
        let help = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "serve", "--help"]).stdout
            .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " ")
        let schema = try #require(help.range(of: "database schema"), "\(help)")
        let listening = try #require(help.range(of: "`listening on HOST:PORT`"), "\(help)")
        #expect(schema.lowerBound < listening.lowerBound)
        #expect(!help.contains("second line") && !help.contains("The first line printed is `listening"), "\(help)")
        let server = try F(tokens: 1)
        let lines = server.startText.split(separator: "\n")
        #expect(lines.first?.contains("database schema") == true, "\(lines)")
        #expect(lines.last?.hasPrefix("listening on ") == true, "\(lines)")
    }
}

/// Password-protected PSKC files made by Debian's python3-pskc, an independent implementation.
enum PSKCFile {
    static func passwordProtected(iterations: Int, password: String, serials: [String]) throws -> String {
        let script = """
        import sys, pskc
        p = pskc.PSKC()
        for serial in sys.argv[3:]:
            p.add_key(serial=serial, secret=b'12345678901234567890', algorithm='urn:ietf:params:xml:ns:keyprov:pskc:hotp',
                      counter=0, response_length=6)
        p.encryption.setup_pbkdf2(sys.argv[1], iterations=int(sys.argv[2]))
        p.write(sys.stdout.buffer)
        """
        let result = try Subprocess.run("/usr/bin/python3", ["-c", script, password, String(iterations)] + serials)
        guard result.status == 0 else { throw VerifierServerFixture.Failure(text: result.stderr) }
        return result.stdout
    }
}
