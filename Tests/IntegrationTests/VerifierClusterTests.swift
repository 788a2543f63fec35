import Foundation
import OTPCore
import Synchronization
import TestSupport
import Testing

/// Several `otpkit verifier serve` nodes sharing one PostgreSQL database: every guarantee of one node holds across
/// them. The cluster is a throwaway one started by the test set-up (`PostgresCluster`).
@Suite(.serialized) struct VerifierClusterTests {
    typealias F = VerifierServerFixture
    static let accepted = #"{"accepted":true}"#

    /// Two nodes on one new database; the second shares the first's master key and admin key.
    static func twoNodes(tokens: Int = 1, cluster: PostgresCluster? = nil, extraArguments: [String] = []) throws -> (F, F, PostgresCluster) {
        let cluster = try cluster ?? PostgresCluster.shared.get()
        let url = try cluster.createDatabase()
        let first = try F(tokens: tokens, database: url, environment: cluster.environment, extraArguments: extraArguments)
        let second = try F(tokens: 0, database: url, keyFile: first.keyFile, environment: cluster.environment, extraArguments: extraArguments)
        second.adminKey = first.adminKey
        return (first, second, cluster)
    }

    /// Runs `body` on `count` threads released at the same moment (concurrentPerform would run only one per core).
    static func atOnce(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let gate = DispatchSemaphore(value: 0), done = DispatchGroup()
        for index in 0..<count {
            done.enter()
            Thread.detachNewThread {
                gate.wait()
                body(index)
                done.leave()
            }
        }
        for _ in 0..<count { gate.signal() }
        done.wait()
    }

    /// Sends every acknowledged code to every node again (8 clients at a time); the number accepted again.
    static func acceptedAgain(_ acknowledged: [(String, String)], on nodes: [F]) -> Int {
        let lock = NSLock()
        nonisolated(unsafe) var count = 0
        atOnce(8) { part in
            for node in nodes {
                let client = node.client()
                for (token, code) in acknowledged.enumerated().filter({ $0.offset % 8 == part }).map(\.element)
                where (try? node.verify(client, token: token, code: code).body) != #"{"accepted":false}"# {
                    lock.withLock { count += 1 }
                }
            }
        }
        return count
    }

    @Test func oneCodeIsAcceptedOnceAcrossTwoNodesEveryRound() throws {
        let (first, second, _) = try Self.twoNodes()
        let nodes = [first, second]
        for round in 0..<20 {
            let code = F.code(UInt64(round))
            let lock = NSLock()
            nonisolated(unsafe) var accepted = 0, answered = 0
            Self.atOnce(64) { index in
                let node = nodes[index % 2]
                guard let response = try? node.verify(node.client(), token: "t0", code: code) else { return }
                lock.withLock {
                    answered += 1
                    if response.body == Self.accepted { accepted += 1 }
                }
            }
            #expect(answered == 64, "round \(round)")
            #expect(accepted == 1, "round \(round): \(accepted) acceptances")
        }
    }

    /// Over HTTP, a warm node's accepted verify is one statement, counted by PostgreSQL (`pg_stat_statements`): the
    /// kept token row and the compare-and-set with its event row; the request's API key is looked up again at most
    /// once a second.
    @Test func anAcceptedVerifyOverHTTPIsOneStatement() throws {
        let cluster = try PostgresCluster.shared.get()
        let node = try F(tokens: 1, database: try cluster.createDatabase(), environment: cluster.environment)
        let client = node.client()
        #expect(try node.verify(client, token: "t0", code: F.code(0)).body == Self.accepted, "warms the node")
        let database = PostgresCluster.databaseName(in: node.database)
        let before = try cluster.statements(in: database), start = ContinuousClock.now
        let verifies = 40
        for counter in 1...UInt64(verifies) { #expect(try node.verify(client, token: "t0", code: F.code(counter)).body == Self.accepted) }
        let seconds = Int((ContinuousClock.now - start).components.seconds)
        let statements = try cluster.statements(in: database) - before
        #expect(statements >= verifies && statements <= verifies + seconds + 1,
                "\(statements) statements for \(verifies) accepted verifies in \(seconds)+ s (at most one key lookup a second)")
    }

    @Test func lockoutAndResyncAreSharedAtOnce() throws {
        let (first, second, _) = try Self.twoNodes(tokens: 2)
        let a = first.client(), b = second.client()
        for _ in 0..<10 { _ = try first.verify(a, token: "t0", code: "000000") }
        #expect(try second.verify(b, token: "t0", code: F.code(0)).body == #"{"accepted":false}"#, "locked through the first node")
        #expect(try second.client().send("POST", "/v1/tokens/t0/unlock", headers: ["Authorization": "Bearer \(second.adminKey)"]).status == 200)
        #expect(try first.verify(a, token: "t0", code: F.code(0)).body == Self.accepted, "unlocked through the second node")

        let resync = try first.client().send("POST", "/v1/resync", body: #"{"token":"t1","code1":"\#(F.code(500))","code2":"\#(F.code(501))"}"#,
                                             headers: ["Authorization": "Bearer \(first.adminKey)"])
        #expect(resync.status == 200, "\(resync.body)")
        #expect(try second.verify(b, token: "t1", code: F.code(501)).body == #"{"accepted":false}"#, "the resync pair is used up everywhere")
        #expect(try second.verify(b, token: "t1", code: F.code(502)).body == Self.accepted, "the second node continues after the resync")
    }

    @Test func nothingAcknowledgedByAKilledNodeIsAcceptedAgain() throws {
        let (first, second, _) = try Self.twoNodes(tokens: 8)
        let nodes = [first, second]
        let lock = NSLock()
        nonisolated(unsafe) var acknowledged: [(String, String)] = []
        Self.atOnce(8) { index in
            let node = nodes[index % 2], client = node.client()
            for counter in 0..<UInt64(3000) {
                guard let response = try? node.verify(client, token: "t\(index)", code: F.code(counter)) else {
                    if node === first { return } else { continue }
                }
                if response.body == Self.accepted {
                    let count = lock.withLock { acknowledged.append(("t\(index)", F.code(counter))); return acknowledged.count }
                    // The first node is killed once both acknowledged 200 codes, while the other clients' requests are in flight.
                    if count == 200 { first.kill() }
                }
                if node === second && !first.process.isRunning && counter > 200 { return }
            }
        }
        first.kill()  // nothing to do unless the load ended before 200 acknowledgements
        #expect(acknowledged.count >= 200, "the load ran before the kill")
        try first.start()
        let acceptedAgain = Self.acceptedAgain(acknowledged, on: nodes)
        #expect(acceptedAgain == 0, "\(acceptedAgain) of \(acknowledged.count) acknowledged codes were accepted again")
    }

    /// The database goes down under load: the nodes answer 503 database_unavailable (never "accepted" without a
    /// commit, never a crash), and recover by themselves when it is back.
    @Test func aDatabaseRestartUnderLoadIsSurvived() throws {
        let cluster = try PostgresCluster()
        let (first, second, _) = try Self.twoNodes(tokens: 4, cluster: cluster, extraArguments: ["--db-timeout", "2"])
        let nodes = [first, second]
        let lock = NSLock()
        nonisolated(unsafe) var acknowledged: [(String, String)] = []
        nonisolated(unsafe) var unavailable = 0, other: [String] = []
        // The outage follows the load's own events, not the clock: the database stops once 20 codes were accepted,
        // starts again once a node answered 503, and the load ends once 20 more were accepted after the restart.
        nonisolated(unsafe) var acceptedAfterRestart = -1
        let loadEnded = Atomic<Bool>(false)
        let outage = Thread {
            _ = eventually(timeout: 120, every: 0.01) { lock.withLock { acknowledged.count >= 20 } }
            cluster.stop()
            _ = eventually(timeout: 120, every: 0.01) { lock.withLock { unavailable > 0 } }
            try? cluster.start()
            lock.withLock { acceptedAfterRestart = 0 }
            _ = eventually(timeout: 120, every: 0.01) { lock.withLock { acceptedAfterRestart >= 20 } }
            loadEnded.store(true, ordering: .relaxed)
        }
        outage.start()
        Self.atOnce(4) { index in
            let node = nodes[index % 2]
            var counter: UInt64 = 0
            while !loadEnded.load(ordering: .relaxed) {
                guard let response = try? node.verify(node.client(), token: "t\(index)", code: F.code(counter)) else {
                    lock.withLock { other.append("no answer") }
                    continue
                }
                lock.withLock {
                    if response.body == Self.accepted {
                        acknowledged.append(("t\(index)", F.code(counter)))
                        if acceptedAfterRestart >= 0 { acceptedAfterRestart += 1 }
                        counter += 1
                    } else if response.status == 503 && response.body.contains("database_unavailable") {
                        unavailable += 1
                    } else {
                        other.append("\(response.status) \(response.body)")
                        counter += 1
                    }
                }
            }
        }
        #expect(unavailable > 0, "the outage was seen")
        #expect(other.isEmpty, "only accepted or 503 database_unavailable: \(other.prefix(5))")
        #expect(first.process.isRunning && second.process.isRunning, "no node crashed")
        let health = try first.client().send("GET", "/healthz")
        #expect(health.status == 200 && health.body.contains("ready"), "\(health.body)")
        let acceptedAgain = Self.acceptedAgain(acknowledged, on: nodes)
        #expect(acknowledged.count > 20 && acceptedAgain == 0, "\(acknowledged.count) acknowledged, \(acceptedAgain) accepted again")
        let metrics = try first.client().send("GET", "/metrics").body
        #expect(metrics.contains("otpkit_db_reconnects_total") && metrics.contains("otpkit_db_statement_seconds_count"))
    }

    @Test func twoNodesStartingAtOnceMigrateOnce() throws {
        let cluster = try PostgresCluster.shared.get()
        let url = try cluster.createDatabase()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = folder.appendingPathComponent("master.key").path
        _ = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "init", "--db", folder.appendingPathComponent("x.sqlite").path, "--key-file", key])
        nonisolated(unsafe) var nodes: [F?] = [nil, nil]
        let lock = NSLock()
        Self.atOnce(2) { index in
            let node = try? F(tokens: 0, database: url, keyFile: key, environment: cluster.environment)
            lock.withLock { nodes[index] = node }
        }
        let lines = nodes.compactMap { $0?.startText.split(separator: "\n").first { $0.contains("database schema") } }
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.filter { $0.contains("migrated from version 0 to 7") }.count == 1, "\(lines)")
        #expect(lines.filter { $0.contains("at version 7, up to date") }.count == 1, "\(lines)")
        let versions = try cluster.psql(PostgresCluster.databaseName(in: url), "SELECT version FROM otpkit_schema ORDER BY version")
        #expect(versions.stdout == "1\n2\n3\n4\n5\n6\n7\n", "each version applied once: \(versions.stdout)")
        let keys = nodes.compactMap { $0?.startText.contains("created admin API key") }.filter { $0 }.count
        #expect(keys >= 1)
    }

    @Test func aNewerSchemaIsRefused() throws {
        let cluster = try PostgresCluster.shared.get()
        let url = try cluster.createDatabase()
        let name = PostgresCluster.databaseName(in: url)
        #expect(try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "migrate", "--db", url], environment: cluster.environment).status == 0)
        _ = try cluster.psql(name, "INSERT INTO otpkit_schema (version) VALUES (99)")
        let refused = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "migrate", "--db", url], environment: cluster.environment)
        #expect(refused.status != 0 && refused.stderr.contains("schema version 99, newer than this otpkit"), "\(refused.stderr)")
        #expect(!refused.stderr.contains(cluster.password), "no password in errors")
    }

    /// The password comes from PGPASSWORD or a file, never shows in output; sslmode is honoured.
    @Test func connectionSettingsAreHonouredAndThePasswordNeverShows() throws {
        let cluster = try PostgresCluster.shared.get()
        let url = try cluster.createDatabase()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-pgconf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let passwordFile = folder.appendingPathComponent("pw").path, wrongFile = folder.appendingPathComponent("wrong").path
        try (cluster.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        try "not-the-password\n".write(toFile: wrongFile, atomically: true, encoding: .utf8)
        func migrate(_ extra: [String], url: String = url) throws -> ProcessResult {
            try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "migrate", "--db", url] + extra, environment: ["PGPASSWORD": ""])
        }
        let fromFile = try migrate(["--db-password-file", passwordFile])
        #expect(fromFile.status == 0 && fromFile.stdout.contains("migrated from version 0 to 7"), "\(fromFile.stdout)\(fromFile.stderr)")
        let wrong = try migrate(["--db-password-file", wrongFile])
        #expect(wrong.status != 0 && wrong.stderr.contains("password authentication failed"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("not-the-password"))
        let none = try migrate([])
        #expect(none.status != 0 && none.stderr.contains("password"), "\(none.stderr)")
        let inURL = url.replacingOccurrences(of: "otpkit@", with: "otpkit:\(cluster.password)@")
        let withURL = try migrate([], url: inURL)
        #expect(withURL.status == 0 && !withURL.stdout.contains(cluster.password), "\(withURL.stdout)\(withURL.stderr)")
        let tls = try migrate(["--db-password-file", passwordFile], url: url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=require"))
        #expect(tls.status != 0 && tls.stderr.contains("TLS"), "the test cluster offers no TLS: \(tls.stderr)")
        let badMode = try migrate([], url: url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=sometimes"))
        #expect(badMode.status != 0 && badMode.stderr.contains("sslmode must be one of"), "\(badMode.stderr)")
    }

    /// A database of the single-node verifier moves to PostgreSQL: every token verifies the same there, counters,
    /// lockouts and API keys included.
    @Test func copyFromSQLiteKeepsEveryTokenAsItWas() throws {
        let single = try F(tokens: 3)
        let client = single.client()
        for counter in 0..<UInt64(5) { #expect(try single.verify(client, token: "t0", code: F.code(counter)).body == Self.accepted) }
        for _ in 0..<10 { _ = try single.verify(client, token: "t2", code: "000000") }
        single.kill(signal: SIGTERM)
        let sqliteKey = single.database + ".key"

        let cluster = try PostgresCluster.shared.get()
        let url = try cluster.createDatabase()
        let copy = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "copy", "--from", "sqlite:" + single.database, "--to", url],
                                      environment: cluster.environment)
        #expect(copy.status == 0 && copy.stdout.contains("Copied 3 tokens (1 locked") && copy.stdout.contains("1 API key from"), "\(copy.stdout)\(copy.stderr)")
        let again = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "copy", "--from", "sqlite:" + single.database, "--to", url],
                                       environment: cluster.environment)
        #expect(again.status == 1 && again.stderr.contains("holds 3 tokens already"), "\(again.stderr)")

        let node = try F(tokens: 0, database: url, keyFile: sqliteKey, environment: cluster.environment)
        node.adminKey = single.adminKey
        let onPostgres = node.client()
        #expect(try node.verify(onPostgres, token: "t0", code: F.code(4)).body == #"{"accepted":false}"#, "the counter came along")
        #expect(try node.verify(onPostgres, token: "t0", code: F.code(5)).body == Self.accepted, "the sealed seed opens with the old key")
        #expect(try node.verify(onPostgres, token: "t1", code: F.code(0)).body == Self.accepted)
        #expect(try node.verify(onPostgres, token: "t2", code: F.code(0)).body == #"{"accepted":false}"#, "the lockout came along")
        let replaced = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "copy", "--from", "sqlite:" + single.database, "--to", url, "--replace"],
                                          environment: cluster.environment)
        #expect(replaced.status == 0 && replaced.stdout.contains("replacing 3 tokens"), "\(replaced.stdout)\(replaced.stderr)")
    }
}
