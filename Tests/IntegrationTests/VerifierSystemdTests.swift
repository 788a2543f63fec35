import Foundation
import Synchronization
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `otpkit verifier serve` under systemd, with the test as the service manager: `NOTIFY_SOCKET` pointing at a
/// datagram socket the test holds (READY=1 once every listener is bound, STOPPING=1 at SIGTERM, watchdog pings
/// only while the node answers, RELOADING=1 and READY=1 around a SIGHUP reload), and `JOURNAL_STREAM` naming the
/// server's own output (lines carry their syslog priority).
@Suite(.serialized) struct VerifierSystemdTests {
    typealias F = VerifierServerFixture

    /// The first datagram is READY=1, and it comes only once every listener is bound: the ready file, written when
    /// the last one is, is there when it arrives. Its status names the addresses.
    @Test func readyComesOnceEveryListenerIsBound() throws {
        let notify = try NotifySocketCatcher()
        let readyFile = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-ready-\(UUID().uuidString).json").path
        defer { unlink(readyFile) }
        let first = Mutex<(message: String?, readyFileThere: Bool)?>(nil)
        let arrived = DispatchSemaphore(value: 0)
        Thread {
            let message = notify.next(timeout: 90)
            first.withLock { $0 = (message, FileManager.default.fileExists(atPath: readyFile)) }
            arrived.signal()
        }.start()
        let server = try F(environment: ["NOTIFY_SOCKET": notify.name],
                           extraArguments: ["--ready-file", readyFile, "--metrics-listen", "127.0.0.1:0", "--radius-listen", "127.0.0.1:0"])
        #expect(arrived.wait(timeout: .now() + 60) == .success)
        let seen = try #require(first.withLock { $0 })
        let metrics = try #require(server.metricsPort), radius = try #require(server.radiusPort)
        #expect(seen.message == "READY=1\nSTATUS=listening: http 127.0.0.1:\(server.port), metrics 127.0.0.1:\(metrics), radius 127.0.0.1:\(radius)")
        #expect(seen.readyFileThere, "READY=1 came before the listeners were all bound")
        #expect(notify.all(within: 1).isEmpty, "nothing else without a watchdog")
    }

    /// An abstract socket name (`@...`) works the same.
    @Test func anAbstractSocketNameIsReachedToo() throws {
        let notify = try NotifySocketCatcher(abstract: true)
        let server = try F(environment: ["NOTIFY_SOCKET": notify.name])
        #expect(notify.next(timeout: 30) == "READY=1\nSTATUS=listening: http 127.0.0.1:\(server.port)")
    }

    /// SIGTERM: STOPPING=1 goes out at once, while a request is still in flight; that request is answered, and the
    /// process exits 0.
    @Test func stoppingGoesOutAtSIGTERMAndRequestsInFlightStillFinish() throws {
        let notify = try NotifySocketCatcher()
        let server = try F(tokens: 1, environment: ["NOTIFY_SOCKET": notify.name])
        #expect(notify.next(timeout: 30)?.hasPrefix("READY=1") == true)
        let request = try SlowImportInFlight(to: server)
        kill(server.process.processIdentifier, SIGTERM)
        let (before, stopping) = notify.messages(until: { $0 == "STOPPING=1" }, timeout: 20)
        #expect(stopping != nil && before.isEmpty, "\(before)")
        #expect(request.answerSoFar == nil, "STOPPING=1 came after the request in flight was answered")
        #expect(request.waitForAnswer()?.status == 201)
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0, "\(server.stderrText)")
    }

    /// WATCHDOG_USEC of 0.4 s: a ping every 0.2 s while the node is ready; none once its database file is deleted
    /// (the store no longer answers for the file a restart would open), with one note saying why.
    @Test func theWatchdogIsPingedOnlyWhileTheStoreAnswers() throws {
        let notify = try NotifySocketCatcher()
        let server = try F(tokens: 1, environment: ["NOTIFY_SOCKET": notify.name, "WATCHDOG_USEC": "400000"])
        let start = notify.messages(until: { $0.hasPrefix("READY=1") }, timeout: 30)
        #expect(start.match != nil && start.before.isEmpty, "no ping before READY=1: \(start.before)")
        for _ in 0..<3 { #expect(notify.next(timeout: 10) == "WATCHDOG=1") }

        #expect(unlink(server.database) == 0)
        #expect(eventually(timeout: 20) { server.stderrText.contains("watchdog: not ready") }, "\(server.stderrText)")
        _ = notify.all(within: 0.1)  // pings sent before the probe failed
        let lost = notify.all(within: 2)
        #expect(lost.isEmpty, "pinged while the database is gone: \(lost)")
        #expect(server.stderrText.contains("watchdog: not ready"), "\(server.stderrText)")
        #expect(server.stderrText.components(separatedBy: "watchdog: not ready").count == 2, "one note per burst: \(server.stderrText)")
    }

    /// WATCHDOG_PID naming another process: its watchdog is not this one's, so no pings.
    @Test func aWatchdogForAnotherProcessIsLeftAlone() throws {
        let notify = try NotifySocketCatcher()
        let server = try F(environment: ["NOTIFY_SOCKET": notify.name, "WATCHDOG_USEC": "400000", "WATCHDOG_PID": "1"])
        #expect(notify.next(timeout: 30)?.hasPrefix("READY=1") == true)
        #expect(notify.all(within: 1.5).isEmpty)
        #expect(server.process.isRunning)
    }

    /// A NOTIFY_SOCKET nobody listens on costs the server nothing: it serves, and says so once on stderr.
    @Test func aNotifySocketNobodyListensOnIsNotedOnce() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-gone-\(UUID().uuidString).sock").path
        let server = try F(tokens: 1, environment: ["NOTIFY_SOCKET": missing, "WATCHDOG_USEC": "200000"])
        #expect(try server.verify(server.client(), token: "t0", code: F.code(0)).body == VerifierServerHardeningTests.accepted)
        Thread.sleep(forTimeInterval: 1)  // several pings that fail
        let notes = server.stderrText.components(separatedBy: "cannot notify the service manager").count - 1
        #expect(notes == 1, "\(server.stderrText)")
        #expect(server.process.isRunning)
    }

    /// SIGHUP, as `systemctl reload` and logrotate's postrotate send it: RELOADING=1 (with MONOTONIC_USEC), then
    /// READY=1; the audit log moved away is reopened at its path (the next line starts a new file); one stderr line
    /// says what was reloaded and what needs a restart.
    @Test func sighupReopensTheAuditLog() throws {
        let notify = try NotifySocketCatcher()
        let server = try F(tokens: 1, environment: ["NOTIFY_SOCKET": notify.name])
        #expect(notify.next(timeout: 30)?.hasPrefix("READY=1") == true)
        let client = server.client()
        #expect(try server.verify(client, token: "t0", code: F.code(0)).body == VerifierServerHardeningTests.accepted)
        let rotated = server.auditPath + ".1"
        #expect(rename(server.auditPath, rotated) == 0)

        kill(server.process.processIdentifier, SIGHUP)
        let reloading = try #require(notify.next(timeout: 20)).split(separator: "\n")
        #expect(reloading.first == "RELOADING=1" && reloading.count == 2 && reloading[1].hasPrefix("MONOTONIC_USEC="), "\(reloading)")
        #expect(notify.next(timeout: 20) == "READY=1")
        #expect(server.stderrText.contains("otpkit: reload (SIGHUP): audit log reopened at \(server.auditPath); a restart is needed for"),
                "\(server.stderrText)")

        #expect(try server.verify(client, token: "t0", code: F.code(1)).body == VerifierServerHardeningTests.accepted)
        let old = try String(contentsOfFile: rotated, encoding: .utf8), new = try String(contentsOfFile: server.auditPath, encoding: .utf8)
        #expect(old.split(separator: "\n").count == 1 && new.split(separator: "\n").count == 1, "\(old)\n--\n\(new)")
        #expect(new.contains("action=verify token=t0") && new.contains("outcome=accepted"))
        var status = stat()
        #expect(stat(server.auditPath, &status) == 0 && status.st_mode & 0o777 == 0o600)
        #expect(server.process.isRunning)
    }

    /// SIGHUP with HTTPS: new connections get the certificate now in the files, a connection already open keeps
    /// working; a key that does not match its certificate is refused and the pair in use kept.
    @Test func sighupServesTheNewCertificateToNewConnections() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-tls-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let openssl = try #require(Subprocess.which("openssl"), "openssl is missing (`make test` installs it)")
        let curl = try #require(Subprocess.which("curl"), "curl is missing (`make test` installs it)")
        func makePair(_ name: String) throws -> (cert: String, key: String) {
            let cert = folder.appendingPathComponent("\(name)-cert.pem").path, key = folder.appendingPathComponent("\(name)-key.pem").path
            let made = try Subprocess.run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                                    "-subj", "/CN=127.0.0.1 \(name)", "-addext", "subjectAltName=IP:127.0.0.1"])
            try #require(made.status == 0, "\(made.stderr)")
            return (cert, key)
        }
        let first = try makePair("first"), second = try makePair("second")
        let cert = folder.appendingPathComponent("cert.pem").path, key = folder.appendingPathComponent("key.pem").path
        func install(cert source: String, key sourceKey: String) throws {
            for (from, to) in [(source, cert), (sourceKey, key)] {
                try? FileManager.default.removeItem(atPath: to + ".new")
                try FileManager.default.copyItem(atPath: from, toPath: to + ".new")
                try #require(rename(to + ".new", to) == 0)
            }
        }
        try install(cert: first.cert, key: first.key)
        let server = try F(extraArguments: ["--tls-cert", cert, "--tls-key", key, "--idle-timeout", "60"])
        func healthz(trusting ca: String) throws -> Bool {
            let answer = try Subprocess.run(curl, ["-s", "-m", "10", "--cacert", ca, "https://127.0.0.1:\(server.port)/healthz"], timeout: 30)
            return answer.status == 0 && answer.stdout.contains("ready")
        }
        #expect(try healthz(trusting: first.cert))

        // A connection opened before the reload, kept open across it.
        let kept = Process()
        kept.executableURL = URL(fileURLWithPath: openssl)
        kept.arguments = ["s_client", "-connect", "127.0.0.1:\(server.port)", "-quiet", "-CAfile", first.cert]
        let input = Pipe()
        kept.standardInput = input
        kept.standardError = FileHandle.nullDevice
        let keptOutput = try ChildOutputReader(launching: kept, name: "openssl s_client")
        defer { if kept.isRunning { kept.terminate() } }
        let request = Data("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        input.fileHandleForWriting.write(request)
        try keptOutput.waitForLine(containing: "HTTP/1.1 200 OK", timeout: 20)

        try install(cert: second.cert, key: second.key)
        kill(server.process.processIdentifier, SIGHUP)
        #expect(eventually(timeout: 20) { server.stderrText.contains("; TLS certificate and key read again from \(cert) and \(key) for new connections") }, "\(server.stderrText)")
        #expect(try healthz(trusting: second.cert), "a new connection gets the new certificate")
        #expect(try !healthz(trusting: first.cert), "and no longer the old one")
        input.fileHandleForWriting.write(request)
        try keptOutput.waitForLine(containing: "HTTP/1.1 200 OK", timeout: 20)  // the connection opened before still answers

        // A key that is not the certificate's: refused, the pair in use stays.
        try install(cert: first.cert, key: second.key)
        kill(server.process.processIdentifier, SIGHUP)
        #expect(eventually(timeout: 20) { server.stderrText.contains("TLS certificate and key not reloaded") }, "\(server.stderrText)")
        #expect(try healthz(trusting: second.cert))
        #expect(server.process.isRunning)
    }

    /// With stdout and stderr the journal (JOURNAL_STREAM naming them), each line starts with its priority: `<6>` for
    /// the start lines, `<4>` for warnings, `<5>` for a reload; no admin key is created to be printed there.
    @Test func linesCarryTheirPriorityOnTheJournal() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("verifier.sqlite").path
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: "/bin/sh")
        // One stream for both, as systemd connects them: its device and inode as seen from the server's shell.
        serve.arguments = ["-c", "export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/$$/fd/1) && exec \"$0\" \"$@\"", ProjectPaths.otpkit.path,
                           "verifier", "serve", "--listen", "127.0.0.1:0", "--db", database]
        let output = try ChildOutputReader(launching: serve, name: "otpkit verifier serve", streams: .standardOutputAndError)
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL); serve.waitUntilExit() } }
        let listening = try output.waitForLine(startingWith: "<6>listening on 127.0.0.1:", timeout: 60)
        let port = try #require(Int(listening.split(separator: ":").last ?? ""))
        #expect(output.output.contains("<6>sqlite:\(database): database schema"), "\(output.output)")
        #expect(output.output.contains("<4>otpkit: no API key yet"), "\(output.output)")
        #expect(!output.output.contains("otpk_"), "no key printed to the journal")

        kill(serve.processIdentifier, SIGHUP)
        try output.waitForLine(startingWith: "<5>otpkit: reload (SIGHUP): nothing to reload", timeout: 20)
        #expect(unlink(database) == 0)
        #expect(try HTTPTestClient(port: port).send("GET", "/healthz").status == 503)
        try output.waitForLine(startingWith: "<4>otpkit: 503 GET /healthz not_ready", timeout: 20)

        // An error that ends the command: `<3>`.
        let taken = try Subprocess.run("/bin/sh", ["-c", "export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/$$/fd/2) && exec \"$0\" \"$@\"",
                                                   ProjectPaths.otpkit.path, "verifier", "serve", "--listen", "127.0.0.1:\(port)",
                                                   "--db", folder.appendingPathComponent("other.sqlite").path], timeout: 60)
        #expect(taken.status == 64 && taken.stderr.contains("<3>otpkit: error: cannot listen on 127.0.0.1:\(port)"), "\(taken.stderr)")
    }
}
