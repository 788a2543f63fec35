import ArgumentParser
import Foundation
import RADIUSServer
import PrivateFiles
import ServiceManager
import Verification
import VerifierConfiguration
import VerifierServer
import VerifierStorage

struct VerifierServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the verification API over HTTP, and RADIUS with --radius-listen.",
        discussion: """
        POST /v1/verify {"token": ID, "code": CODE} -> {"accepted": true|false}; POST /v1/resync {"token", "code1", \
        "code2"}; administration under /v1/tokens (admin keys); GET /healthz and GET /metrics (Prometheus) need no key. Every \
        /v1 request carries `Authorization: Bearer KEY`; create keys with `otpkit verifier keys create`. On the first start, with \
        no keys yet, an admin key is created and printed once. Standard output says, one line each: the database schema \
        (`DATABASE: database schema ...`), the created admin key (first start only), then, once every listener is bound \
        and in this order, `listening on HOST:PORT`, `metrics listening on HOST:PORT` with --metrics-listen, `radius \
        listening on HOST:PORT` with --radius-listen. --ready-file PATH writes the same addresses as JSON \
        ({"http": "HOST:PORT", "metrics": ..., "radius": ...}; mode 0600, atomically) once they are all bound; a ready \
        file left by an earlier run is removed at start, and the file is removed when the server stops. \
        An answer is sent only after its decision is committed to the database.

        Configuration: every option can be set in the YAML file of --config (the Debian package's unit uses \
        /etc/otpkit/verifier.yaml; keys such as http.listen, radius.listen, database.location, master_key_file) or in \
        an OTPKIT_* variable (OTPKIT_HTTP_LISTEN); the flags given win over the environment, which wins over the file. \
        A wrong file (unknown key, wrong type, bad value, a secret written inline) is refused before anything starts, \
        naming the key and its line, exit 64; `otpkit verifier config check FILE` checks one.

        Database: the first `serve` on a path where neither the SQLite file nor its key file exists creates both; a \
        missing file beside an existing key file is refused (restore it, or `otpkit verifier init`). A file that can \
        only be read is refused at start; one deleted or replaced while serving makes /healthz, every decision and \
        Status-Server refuse (503, no RADIUS answer) until it is restored and the server restarted. A --listen, \
        --metrics-listen or --radius-listen address that cannot be bound (in use, not allowed) is one line naming it, \
        exit 64.

        The public /metrics counts decisions only as accepted or refused; by reason (unknown token, locked, wrong code, \
        replay) only on --metrics-listen, a listener without keys to keep off the public network. /healthz answers 503 \
        while the database does not answer (or, for SQLite, cannot be written: deleted, replaced, read-only), for 30 s after a decision failed on the store (locked, full) unless one \
        succeeds, and while the master key does not open a stored secret; every 503 is noted on stderr with its cause.

        Hummingbird's own log (its "Server started and listening on ..." and shutdown lines) goes to stderr at \
        warning and above; --verbose adds its info lines. Standard output keeps only the lines above.

        Audit lines go to stderr or --audit-log. A failed audit write (a full disk, a closed pipe) never stops the \
        server or an answer: the decision stands (it is in the database's events), the failure is counted in \
        otpkit_audit_write_failures_total, and one stderr note is written per burst of failures.

        Connections: one idle (or still sending its request head) for --idle-timeout is closed, as is one whose body \
        does not arrive within --idle-timeout of its head; at --max-connections the server stops accepting until one \
        closes. Imports are parsed on a thread of their own (at most 4 more wait; then 503 imports_busy), so that a \
        costly PBKDF2 never delays verification.

        RADIUS (--radius-listen HOST[:PORT], UDP, default port 1812): Access-Requests with User-Name and User-Password \
        (PAP) from the clients listed by `otpkit verifier radius-clients` are answered Access-Accept when the password \
        is the user's PIN (if set) followed by a code of one of the user's tokens, else Access-Reject; a code far \
        enough ahead to start an auto-resync gets an Access-Challenge asking for the next code. Requests must carry a \
        valid Message-Authenticator unless their client is marked otherwise; every reply carries one. Status-Server is \
        answered while /healthz would say ready, else dropped. Packets from unknown addresses, with a wrong \
        authenticator, or malformed are dropped without an answer, before they take a decision slot, and counted: \
        the public /metrics has their sum (otpkit_radius_dropped_total), --metrics-listen each reason. A retransmit within 30 s gets the answer already \
        decided. --strip-realm makes `alice@corp` the user `alice`. RADIUS clients are re-read from the database every \
        5 s, so a client added on any node is known to all within that time.

        With --db postgres://..., several nodes share one database: each decision is one compare-and-set in \
        PostgreSQL, so a code is accepted once whichever node it reaches, and lockouts and resyncs are shared at \
        once. Start every node with the same --key-file. The schema is migrated on start (the first line says to \
        which version). /healthz answers 503 while the database is unreachable, requests then get 503 \
        database_unavailable, and the node reconnects by itself. --rate-limit counts per node.
        """)

    @OptionGroup var verifier: VerifierOptions

    @Option(name: .long, help: ArgumentHelp("Address and port to listen on (port 0 picks a free one; default 127.0.0.1:8400).", valueName: "host:port"))
    var listen: String?

    @Option(name: .long, help: ArgumentHelp("Also answer RADIUS on this UDP address (port 1812 when omitted; 0 picks a free one).", valueName: "host[:port]"))
    var radiusListen: String?

    @Flag(name: .long, inversion: .prefixedNo, help: "Make a RADIUS user name's realm no part of the name: `alice@corp` logs in as `alice` (default: keep it).")
    var stripRealm: Bool?

    @Option(name: .long, help: "Requests a second allowed per API key, with bursts of twice that (0, the default: no limit). Per process.")
    var rateLimit: Double?

    @Option(name: .long, help: "Lock a token after this many consecutive failures (default 10).")
    var lockoutAfter: Int?

    @Option(name: .long, help: ArgumentHelp("Unlock locked tokens by themselves after this many seconds (default: only an administrator unlocks).", valueName: "seconds"))
    var lockoutSeconds: Seconds?

    @Option(name: .long, help: ArgumentHelp("Append audit lines to this file instead of stderr.", valueName: "path"))
    var auditLog: String?

    @Option(name: .long, help: ArgumentHelp("Also serve /metrics with decisions by reason here, without a key (keep it off the public network).", valueName: "host:port"))
    var metricsListen: String?

    @Option(name: .long, help: ArgumentHelp("Once every listener is bound, write their addresses here as JSON (mode 0600; removed when the server stops).", valueName: "path"))
    var readyFile: String?

    @Option(name: .long, help: ArgumentHelp("Close a connection idle, or slow with its request, for this long (default 15).", valueName: "seconds"))
    var idleTimeout: Double?

    @Option(name: .long, help: ArgumentHelp("Open connections at most (default: the descriptor limit less a reserve, now \(ConnectionLimits.defaultMaxConnections())).", valueName: "n"))
    var maxConnections: Int?

    @Option(name: .long, help: ArgumentHelp("Serve HTTPS with this PEM certificate chain (with --tls-key).", valueName: "path"))
    var tlsCert: String?

    @Option(name: .long, help: ArgumentHelp("The PEM private key for --tls-cert.", valueName: "path"))
    var tlsKey: String?

    @Flag(name: .long, inversion: .prefixedNo, help: "Also log the HTTP framework's info lines (server started, shutdown steps) on stderr; by default only its warnings.")
    var verbose: Bool?

    @Flag(name: .long, inversion: .prefixedNo, help: "On a start with no API key at all, create an admin key and print it once (the default); --no-first-admin-key creates none (under systemd a printed key would stay in the journal: make one with `otpkit verifier keys create --role admin`).")
    var firstAdminKey: Bool?

    /// `radius.listen`: HOST:PORT, or a HOST alone (an IPv6 address in brackets when a port follows) for port 1812.
    static func radiusListener(_ settings: VerifierServeSettings) -> RADIUSListener? {
        guard let radiusListen = settings.radiusListen else { return nil }
        let realm: RADIUSServerOptions.Realm = settings.stripRealm ? .strip : .keep
        if !radiusListen.hasPrefix("["), radiusListen.filter({ $0 == ":" }).count != 1 {
            return RADIUSListener(host: radiusListen, realm: realm)  // a host name, an IPv4 or a bare IPv6 address
        }
        guard let (host, port) = Self.hostAndPort(radiusListen) else { return nil }
        return RADIUSListener(host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port, realm: realm)
    }

    private func announce(_ line: String) { ListenerAnnouncements.printLine(line) }

    static func hostAndPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        return (String(text[..<colon]), port)
    }

    func run() async throws {
        try await reportingFailures {
            let settings = try serveSettings()
            guard let (host, port) = Self.hostAndPort(settings.listen) else { throw CLIFailure("--listen must be HOST:PORT", code: .usage) }
            // A client or a log reader that goes away must cost an EPIPE error, handled where it happens, not the process.
            signal(SIGPIPE, SIG_IGN)
            signal(SIGXFSZ, SIG_IGN)  // likewise a file size limit on --audit-log: EFBIG, counted, not death
            var policy = VerifierPolicy()
            policy.maxFailures = settings.lockoutAfterFailures
            policy.lockoutDuration = settings.unlockAfter
            // One registry for the process: the server, its RADIUS front end, the store or the pool record into it,
            // and each scrape renders it once.
            let metrics = VerifierMetricsRegistry(durationBuckets: ["otpkit_store_commit_seconds": SQLiteTokenStore.commitSecondsBuckets])
            let database = try verifier.openDatabaseUnmigrated(creating: .whereNothingIs, metrics: metrics.factories.shared)
            announce("\(database.description): \(try await database.migrate())")
            let core = try await verifier.open(database, policy: policy)
            if let sqlite = database.tokens as? SQLiteTokenStore {
                // A file SQLite could open only for reading would refuse every decision: say so now, not per request.
                do { try sqlite.probeWrite() } catch { throw CLIFailure("\(error); not serving", code: .unreachable) }
            }
            let keys = database.apiKeys
            if settings.firstAdminKey, try await keys.list().isEmpty {
                if JournalStream.standardOutput.isJournal {  // a key printed there would be kept for every log reader
                    writeError(JournalStream.standardError.format("otpkit: no API key yet, and none is printed to the journal: create one with `otpkit verifier keys create --role admin`\n", priority: .warning))
                } else {
                    let created = try await keys.create(name: "first admin", role: .admin)
                    announce("created admin API key \(created.key.id) (shown once, keep it safe): \(created.text)")
                }
            }
            var options = VerifierHTTPServer.Options()
            options.host = host
            options.port = port
            if let metricsListen = settings.metricsListen, let (metricsHost, metricsPort) = Self.hostAndPort(metricsListen) {
                options.metricsHost = metricsHost
                options.metricsPort = metricsPort
                if !["127.0.0.1", "::1", "[::1]", "localhost"].contains(metricsHost) {
                    try? FileHandle.standardError.write(contentsOf: Data("otpkit: --metrics-listen \(metricsListen) is not loopback: its metrics tell refusals by reason and need no key; keep it off the public network\n".utf8))
                }
            }
            options.connectionLimits.idleTimeout = .seconds(settings.idleTimeout)
            options.connectionLimits.requestReadTimeout = .seconds(settings.idleTimeout)
            if let maxConnections = settings.maxConnections { options.connectionLimits.maxConnections = maxConnections }
            options.rateLimit = settings.rateLimit
            options.rateBurst = max(1, settings.rateLimit * 2)
            if settings.radiusListen != nil {
                guard let radius = Self.radiusListener(settings) else { throw CLIFailure("--radius-listen must be HOST or HOST:PORT", code: .usage) }
                options.radius = radius
            }
            options.tlsCertificatePath = settings.tlsCertificateFile
            options.tlsKeyPath = settings.tlsKeyFile
            options.logger = VerifierHTTPServer.Options.frameworkLogger(level: settings.verbose ? .info : .warning)
            if let client = database.client {
                options.databaseCheck = { await client.isReachable() }
                options.services.append(client)  // started first, stopped last: after the requests in flight
            }
            if let sqlite = database.tokens as? SQLiteTokenStore {
                options.databaseWriteProbe = { try sqlite.probeWrite() }
            }
            options.metrics = metrics
            let systemd = ServeServiceManager()
            systemd.configure(&options)
            options.auditLogReopening = settings.auditLog.map { AuditLogReopening(path: $0, open: { path in try PrivateFile.openAppending(path) }) }
            let audit: FileHandle
            do { audit = try settings.auditLog.map { path throws(PrivateFile.WriteError) in try PrivateFile.openAppending(path) } ?? .standardError } catch { throw CLIFailure("\(error)", code: .usage) }
            var listeners: Set<ListenerAnnouncements.Listener> = [.http]
            if options.metricsHost != nil { listeners.insert(.metrics) }
            if options.radius != nil { listeners.insert(.radius) }
            let announcements = try ListenerAnnouncements(expecting: listeners, readyFile: settings.readyFile, then: systemd.ready)
            defer { announcements.withdraw() }
            let server = VerifierHTTPServer(verifier: core, keys: keys, options: options, auditLog: audit)
            do {
                try await server.run(onListening: { address in announcements.bound(.http, at: address) },
                                     onMetricsListening: { address in announcements.bound(.metrics, at: address) },
                                     onRADIUSListening: { address in announcements.bound(.radius, at: address) })
            } catch let error as ListenerUnavailable {
                throw CLIFailure(error.description, code: .usage)
            }
        }
    }
}

struct VerifierKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the API keys of the verification server (stored hashed; shown once).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a key and print it once.")
        @OptionGroup var verifier: VerifierOptions
        @Option(name: .long, help: "verify (verify and resync only) or admin (also import, read, change and delete tokens).")
        var role: APIKeyRole = .verify
        @Option(name: .long, help: "A name to recognise the key by.") var name = "unnamed"

        func run() async throws {
            try await reportingFailures {
                let created = try await verifier.openDatabase().apiKeys.create(name: name, role: role)
                print(created.text)
                try? FileHandle.standardError.write(contentsOf: Data("otpkit: created \(role.rawValue) key \(created.key.id) (\(name)); it is not shown again.\n".utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys (ids, names, roles; never the keys).")
        @OptionGroup var verifier: VerifierOptions

        func run() async throws {
            try await reportingFailures {
                for key in try await verifier.openDatabase().apiKeys.list() {
                    print("\(key.id)  \(key.role.rawValue)  \(key.name)\(key.revoked ? "  (revoked)" : "")")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key at once.")
        @OptionGroup var verifier: VerifierOptions
        @Argument(help: "The key's id.") var id: String

        func run() async throws {
            try await reportingFailures {
                guard try await verifier.openDatabase().apiKeys.revoke(id: id) else {
                    throw CLIFailure("no active key \(id)", code: .refused)
                }
                print("Key \(id) revoked.")
            }
        }
    }
}

