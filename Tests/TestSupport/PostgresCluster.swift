import Foundation

/// A throwaway PostgreSQL cluster for tests: `initdb` in a temporary folder, the server on a free loopback port,
/// password authentication (scram-sha-256). PostgreSQL refuses to run as root, so as root every command runs as the
/// `postgres` user that Debian's package creates (`runuser`).
///
/// It is stopped and removed at the end of the test process; a watchdog process does the same if the test process
/// dies without cleaning up. A missing PostgreSQL is an error, never a skipped test.
public final class PostgresCluster: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let folder: String
    public let port: Int
    public let user = "otpkit"
    public let password = "pw-\(UUID().uuidString.prefix(8))"
    private let binaries: String
    private let lock = NSLock()
    private var running = false

    /// One cluster shared by the tests of this process; each test takes a database of its own.
    public static let shared = Result { try PostgresCluster() }

    public init() throws {
        guard let binaries = Self.findBinaries() else {
            throw Failure(description: "PostgreSQL is not installed (no initdb under /usr/lib/postgresql): `make test` installs it")
        }
        self.binaries = binaries
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-pg-\(UUID().uuidString.prefix(8))").path
        port = try LoopbackPorts.freeTCPPort()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let passwordFile = folder + "/pwfile"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        if getuid() == 0 {
            try Self.check(Subprocess.run("/bin/chown", ["-R", "postgres:postgres", folder]), "chown")
        }
        try Self.check(asServerUser(binaries + "/initdb", ["-D", folder + "/data", "-U", user, "--pwfile=" + passwordFile,
                                                           "-A", "scram-sha-256", "--no-sync", "-E", "UTF8"]), "initdb")
        try start()
        watchdog()
    }

    deinit { stop(removing: true) }

    /// A URL for a new, empty database in this cluster (without the password: it is in `environment`).
    public func createDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try Self.check(try psql("postgres", "CREATE DATABASE \(name)"), "CREATE DATABASE")
        return url(name)
    }

    /// The database named in a URL of `url(_:)`.
    public static func databaseName(in url: String) -> String {
        String(url.split(separator: "/").last!.split(separator: "?")[0])
    }

    public func url(_ database: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(database)?sslmode=disable" }

    /// PGPASSWORD for otpkit processes and stores that connect to this cluster.
    public var environment: [String: String] { ["PGPASSWORD": password] }

    /// Runs SQL with psql; the result's stdout has the rows (unaligned, tuples only).
    public func psql(_ database: String, _ sql: String) throws -> ProcessResult {
        try Subprocess.run(Subprocess.which("psql") ?? binaries + "/psql",
                           ["-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                           environment: environment)
    }

    /// The statements run in `database` so far, from PostgreSQL's own count (`pg_stat_statements`, loaded at start;
    /// read through the `postgres` database so that reading adds none). Counted as each statement ends.
    /// (The pool's keep-alive, `SELECT 1` on a connection idle for 30 s, is no statement of a decision: a slow run
    /// may send one while it is measured.)
    public func statements(in database: String) throws -> Int {
        let result = try psql("postgres", """
            CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
            SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '\(database)')
                AND query NOT IN ('SELECT $1', 'SELECT $1;')
            """)
        guard result.status == 0, let count = Int(result.stdout.split(separator: "\n").last ?? "") else {
            throw Failure(description: "cannot read pg_stat_statements for \(database): \(result.stdout)\(result.stderr)")
        }
        return count
    }

    /// The transactions committed in `database` so far, from PostgreSQL's own statistics (`pg_stat_database.xact_commit`,
    /// read through the `postgres` database so that reading adds none). An idle backend may hold its counts back for
    /// up to 10 s (PGSTAT_IDLE_INTERVAL), so this waits until the count has stayed the same for `settle` (at most a
    /// minute in all).
    public func committedTransactions(in database: String, settle: Duration = .seconds(11)) async throws -> Int {
        func read() throws -> Int {
            let result = try psql("postgres", "SELECT xact_commit FROM pg_stat_database WHERE datname = '\(database)'")
            guard result.status == 0, let count = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw Failure(description: "cannot read xact_commit of \(database): \(result.stderr)")
            }
            return count
        }
        var last = try read(), since = ContinuousClock.now
        let end = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(500))
            let count = try read()
            if count != last { (last, since) = (count, .now) } else if ContinuousClock.now - since >= settle { break }
        }
        return last
    }

    public func start() throws {
        try lock.withLock {
            try Self.check(asServerUser(binaries + "/pg_ctl", closingInheritedFiles: true, [
                "-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60", "start", "-o",
                "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=64MB -c shared_preload_libraries=pg_stat_statements",
            ]), "pg_ctl start")
            running = true
        }
    }

    /// Stops the server at once (`immediate`: like a crash, recovery runs on the next start).
    public func stop(removing: Bool = false) {
        lock.withLock {
            if running {
                _ = try? asServerUser(binaries + "/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"])
                running = false
            }
            if removing { try? FileManager.default.removeItem(atPath: folder) }
        }
    }

    public var serverLog: String { (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? "" }

    /// Runs a PostgreSQL program, as `postgres` when we are root. `closingInheritedFiles` is for starting the
    /// server: a daemon that inherited Foundation's descriptor for watching its child would keep that child looking
    /// alive forever, so everything above stderr is closed before the program runs.
    private func asServerUser(_ program: String, closingInheritedFiles: Bool = false, _ arguments: [String]) throws -> ProcessResult {
        let command = (getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + [program] + arguments
        guard closingInheritedFiles else { return try Subprocess.run(command[0], Array(command.dropFirst())) }
        let closing = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null; done; exec "$@""#
        return try Subprocess.run("/bin/bash", ["-c", closing, "bash"] + command)
    }

    /// Stops and removes the cluster when this test process is gone, however it ended.
    private func watchdog() {
        let stop = (getuid() == 0 ? "/usr/sbin/runuser -u postgres -- " : "") + "\(binaries)/pg_ctl -D \(folder)/data -m immediate stop"
        CleanupWatchdog.start(afterThisProcess: "\(stop) >/dev/null 2>&1; rm -rf \(folder)")
    }

    private static func findBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted { Int($0) ?? 0 > Int($1) ?? 0 }
        return versions.map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }

    private static func check(_ result: ProcessResult, _ what: String) throws {
        guard result.status == 0 else { throw Failure(description: "\(what) failed: \(result.stdout)\(result.stderr)") }
    }
}
