import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// How `otpkit verifier serve` starts (issue 20, items 6 and 11a): a taken port is one line naming it and exit 64,
/// never a signal; the bound addresses are printed in the documented order and written to `--ready-file`.
@Suite(.serialized) struct VerifierStartupTests {
    typealias F = VerifierServerFixture

    /// A socket on 127.0.0.1 that holds a port: a listening TCP socket, or a bound UDP one.
    final class PortHolder {
        let descriptor: Int32
        let port: Int

        init(udp: Bool) throws {
            descriptor = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
            port = try LoopbackPorts.bindToFreePort(descriptor)
            if !udp { try #require(listen(descriptor, 8) == 0) }
        }

        deinit { close(descriptor) }
    }

    /// The RADIUS port (UDP) and the HTTP port (TCP) taken in turn, 50 starts in all: each ends with exit 64 and one
    /// line on stderr that names the taken address, and none by a signal (the import threads' start and shutdown once
    /// raced into a trap).
    @Test func aTakenPortIsOneLineAndExit64FiftyTimesInARow() throws {
        let server = try F(tokens: 1)
        server.kill(signal: SIGTERM)
        for attempt in 0..<50 {
            let radiusTaken = attempt % 2 == 0
            let holder = try PortHolder(udp: radiusTaken)
            let listen = radiusTaken ? "127.0.0.1:0" : "127.0.0.1:\(holder.port)"
            let radius = radiusTaken ? "127.0.0.1:\(holder.port)" : "127.0.0.1:0"
            let started = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "serve", "--db", server.database, "--listen", listen,
                                                                        "--radius-listen", radius], timeout: 60)
            let lines = started.stderr.split(separator: "\n")
            #expect(started.status == 64, "attempt \(attempt): \(started.status) \(started.stderr)")
            #expect(lines.count == 1 && lines.first?.contains("127.0.0.1:\(holder.port)") == true, "attempt \(attempt): \(started.stderr)")
            #expect(lines.first?.contains(radiusTaken ? "RADIUS" : "HTTP") == true, "attempt \(attempt): \(started.stderr)")
            #expect(!started.stdout.contains("listening on"), "attempt \(attempt): \(started.stdout)")
        }
    }

    /// `listening on` (HTTP) comes first, then the metrics and RADIUS lines, as `--help` says; the ready file holds
    /// the same addresses, mode 0600, and is removed when the server stops.
    /// Hummingbird's info lines ("Server started and listening on ...", shutdown steps) only with --verbose, and then
    /// on stderr: standard output keeps otpkit's own start lines, which scripts read.
    @Test func frameworkInfoLinesOnlyWithVerbose() throws {
        let server = try F(tokens: 1)
        server.kill(signal: SIGTERM)
        #expect(!server.stderrText.contains("Server started") && !server.stderrText.contains(" info "), "\(server.stderrText)")
        #expect(!server.startText.contains("Server started"), "\(server.startText)")
        try server.start(extraArguments: ["--verbose"])
        #expect(server.stderrText.contains("Server started and listening on"), "\(server.stderrText)")
        #expect(!server.startText.contains("Server started"), "\(server.startText)")
        #expect(server.startText.split(separator: "\n").contains { $0.hasPrefix("listening on ") }, "\(server.startText)")
    }

    /// The package's configuration: no admin key is made or printed on a first start (the journal would keep it);
    /// the administrator makes one with `keys create`, and the server takes it without a restart.
    @Test func noFirstAdminKeyWhenTurnedOff() throws {
        let server = try F(tokens: 1, extraArguments: ["--no-first-admin-key"])
        defer { server.kill(signal: SIGTERM) }
        #expect(!server.startText.contains("admin API key") && server.adminKey.isEmpty, "\(server.startText)")
        #expect(try server.cli("verifier", "keys", "list").stdout.isEmpty, "no key was made")
        let created = try server.cli("verifier", "keys", "create", "--role", "verify")
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let client = HTTPTestClient(port: server.port)
        let answer = try client.send("POST", "/v1/verify", body: #"{"token":"t0","code":"755224"}"#, headers: ["Authorization": "Bearer \(key)"])
        #expect(answer.status == 200 && answer.body.contains(#""accepted":true"#), "\(answer.status) \(answer.body)")
    }

    /// Root running a command on a database another user owns (the package's `otpkit`) is refused before SQLite
    /// makes files of root's beside it, which the server could not write.
    @Test(.enabled(if: getuid() == 0)) func rootIsRefusedOnAnotherUsersDatabase() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-owner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("verifier.sqlite").path
        #expect(try otpkit("verifier", "init", "--db", database).status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        for file in files { #expect(chown(folder.appendingPathComponent(file).path, 65534, 65534) == 0) }
        let refused = try otpkit("verifier", "list", "--db", database)
        #expect(refused.status == 64 && refused.stderr.contains("belongs to the user nobody: run this command as that user"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == files.sorted(), "SQLite made no file of root's beside it")
    }

    @Test func startLinesInTheDocumentedOrderAndTheReadyFile() throws {
        let probe = try F(tokens: 1)
        let readyFile = probe.folder.appendingPathComponent("ready.json").path
        try Data("stale".utf8).write(to: URL(fileURLWithPath: readyFile))
        probe.kill(signal: SIGTERM)
        let server = probe
        try server.start(extraArguments: ["--metrics-listen", "127.0.0.1:0", "--radius-listen", "127.0.0.1:0", "--ready-file", readyFile])
        let lines = server.startText.split(separator: "\n").filter { $0.contains("listening on ") }
        #expect(lines.count == 3, "\(server.startText)")
        #expect(lines.first?.hasPrefix("listening on ") == true, "\(lines)")
        #expect(lines.dropFirst().first?.hasPrefix("metrics listening on ") == true, "\(lines)")
        #expect(lines.last?.hasPrefix("radius listening on ") == true, "\(lines)")

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: readyFile))) as? [String: String]
        let radiusPort = try #require(server.radiusPort), metricsPort = try #require(server.metricsPort)
        #expect(json == ["http": "127.0.0.1:\(server.port)", "metrics": "127.0.0.1:\(metricsPort)", "radius": "127.0.0.1:\(radiusPort)"],
                "\(String(describing: json))")
        let mode = try FileManager.default.attributesOfItem(atPath: readyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        server.kill(signal: SIGTERM)
        #expect(!FileManager.default.fileExists(atPath: readyFile), "removed when the server stopped")
    }
}
