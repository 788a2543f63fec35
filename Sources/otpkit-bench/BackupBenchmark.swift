import Foundation
import MasterKeys
import OTPCore
import TestSupport
import Verification
import VerifierStorage

/// `otpkit-bench backup`: `otpkit verifier backup` of an SQLite store of many tokens, taken while wrk loads
/// `otpkit verifier serve` with verifies (each a committed decision): how long a backup takes, and the verify rate
/// while it runs against the rate in a window of the same length just before it, round after round in one sitting
/// (the rates from the server's own count of decisions, `otpkit_store_decisions_total`). The disk's fdatasync rate,
/// measured first in the same folder, is the anchor the rates and the backup's time are set against.
enum BackupBenchmark {
    static func run(tokens: Int, rounds: Int, connections: Int) async throws {
        guard let wrk = WrkLoad.findWrk() else {
            print("wrk is not installed (apt-get install wrk)")
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-backup-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let anchor = try FdatasyncAnchor.measure(in: folder)
        print(String(format: "disk anchor: %.0f fdatasyncs/s (4 KiB overwrite + fdatasync, in %@)", anchor, folder.deletingLastPathComponent().path))
        let database = BenchmarkDatabase(location: folder.appendingPathComponent("verifier.sqlite").path, environment: [:],
                                         keyFile: folder.appendingPathComponent("verifier.sqlite.key").path)
        let filling = ContinuousClock.now
        try await fill(database, tokens: tokens)
        print(String(format: "store: %d HOTP tokens, filled in %.1f s", tokens, (ContinuousClock.now - filling).seconds))
        let apiKey = try database.createVerifyKey()

        let idle = try backup(database, to: folder.appendingPathComponent("idle.backup").path)
        print(String(format: "backup without load: %.3f s (%.3f s in the command), %.1f MB", idle.wall, idle.inCommand, idle.megabytes))

        let node = try VerifierNode.start(database: database.location, key: database.keyFile, environment: [:], radius: false)
        defer { node.stop() }
        let seconds = 6 + rounds * 4
        let load = try WrkLoad.start(wrk, port: node.httpPort, tokens: 0..<256, prefix: "t", nextCodes: [:], apiKey: apiKey,
                                     codes: try BenchmarkDatabase.codes(), connections: connections,
                                     script: folder.appendingPathComponent("wrk.lua").path, seconds: seconds)
        try await Task.sleep(for: .seconds(2))
        var before: [Double] = [], during: [Double] = [], backups: [Measured] = []
        for round in 0..<rounds {
            // A window without a backup, as long as the last backup took (at least 1 s), then the backup.
            before.append(try await decisionRate(node, over: max(1, backups.last?.wall ?? 1)))
            let start = (decisions: node.metric("otpkit_store_decisions_total"), at: ContinuousClock.now)
            let measured = try backup(database, to: folder.appendingPathComponent("round-\(round).backup").path)
            during.append((node.metric("otpkit_store_decisions_total") - start.decisions) / (ContinuousClock.now - start.at).seconds)
            backups.append(measured)
            print(String(format: "round %d: backup %.3f s (%.3f s in the command), %.1f MB; %.0f verifies/s before it, %.0f during it",
                         round + 1, measured.wall, measured.inCommand, measured.megabytes, before.last!, during.last!))
        }
        let figures = try load.wait()
        print(String(format: "backup of %d tokens under load (%d connections): median %.3f s (%.3f s in the command), %.1f MB",
                     tokens, connections, median(backups.map(\.wall)), median(backups.map(\.inCommand)), backups.last?.megabytes ?? 0))
        print(String(format: "verify rate: median %.0f/s during the backups, %.0f/s in the windows just before them (%.2fx); wrk over its %d s: %.0f requests/s, p50 %.2f ms, p99 %.2f ms",
                     median(during), median(before), median(during) / max(1, median(before)), seconds, figures.rate, figures.p50, figures.p99))
        print(String(format: "against the disk anchor: verifies %.2fx the fdatasync rate during the backups, %.2fx before them; the backup lasts as long as %.0f fdatasyncs",
                     median(during) / anchor, median(before) / anchor, median(backups.map(\.wall)) * anchor))
    }

    /// The tokens, stored as an import stores them (sealed under the key file's key, created now), in batches.
    private static func fill(_ database: BenchmarkDatabase, tokens: Int) async throws {
        let keys = try MasterKeyFile.load(path: database.keyFile, creating: .allowed)
        let store = try SQLiteTokenStore(path: database.location)
        let verifier = Verifier(store: store, keyring: keys.keyring)
        let secret = try Secret(hex: BenchmarkDatabase.secretHex)
        for batch in stride(from: 0, to: tokens, by: 10_000) {
            try await verifier.add(try (batch..<min(tokens, batch + 10_000)).map { try verifier.makeToken(id: "t\($0)", secret: secret) })
        }
    }

    struct Measured {
        /// The command's wall time, process start included; the copy alone as the command reports it.
        let wall: Double
        let inCommand: Double
        let megabytes: Double
    }

    /// One `otpkit verifier backup`, as an operator runs it.
    private static func backup(_ database: BenchmarkDatabase, to output: String) throws -> Measured {
        let start = ContinuousClock.now
        let result = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "backup", "--db", database.location, "--key-file", database.keyFile,
                                                                    "--out", output])
        let wall = (ContinuousClock.now - start).seconds
        guard result.status == 0 else { throw TestProcessFailure("otpkit verifier backup failed: \(result.stderr)") }
        // The first line: "Backed up ... in 0.42 s: ..."
        let first = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let inCommand = first.components(separatedBy: " in ").last.flatMap { Double($0.prefix { $0 != " " }) } ?? .nan
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? NSNumber)?.doubleValue ?? 0
        try? FileManager.default.removeItem(atPath: output)
        return Measured(wall: wall, inCommand: inCommand, megabytes: size / 1_000_000)
    }

    /// Decisions per second the node committed over the next `seconds`.
    private static func decisionRate(_ node: VerifierNode, over seconds: Double) async throws -> Double {
        let before = node.metric("otpkit_store_decisions_total"), start = ContinuousClock.now
        try await Task.sleep(for: .seconds(seconds))
        return (node.metric("otpkit_store_decisions_total") - before) / (ContinuousClock.now - start).seconds
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
