import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import OTPCore
import SeedFormats
import RADIUSServer
import ServiceLifecycle
import ServiceManager
import UnixSignals
import Verification
import VerifierAPI

/// The verification server's HTTP API (JSON over HTTP/1.1, Hummingbird 2).
///
/// Verify-only keys may call `/v1/verify` and `/v1/resync` and learn only accepted or refused; admin keys may
/// also manage tokens under `/v1/tokens`. Every decision is durable before it is answered (the store commits
/// first), and is written to the audit log.
public struct VerifierHTTPServer: Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 8400
        /// Largest request body for verify and administration calls (imports may be larger: `maxImportBytes`).
        public var maxBodyBytes = 16 * 1024
        public var maxImportBytes = 8 << 20
        /// Requests a second per API key (0: unlimited), and the burst allowed above it.
        public var rateLimit = 0.0
        public var rateBurst = 100.0
        /// PEM files; with both set the server speaks HTTPS only.
        public var tlsCertificatePath: String?
        public var tlsKeyPath: String?
        /// Threads of their own for parsing imports (PBKDF2 may run for seconds), so that imports never hold the
        /// threads verification needs; `maxPendingImports` more may wait, further ones get 503 `imports_busy`.
        public var importThreads = 1
        public var maxPendingImports = 4
        /// Idle, header and body timeouts and the connection cap.
        public var connectionLimits = ConnectionLimits()
        /// Where to serve the detailed metrics (decisions by reason) without a key; nil: nowhere. The public
        /// port's /metrics says only accepted or refused.
        public var metricsHost: String?
        public var metricsPort = 0
        /// Whether the database answers now (/healthz); nil: the store is local and always there.
        public var databaseCheck: (@Sendable () async -> Bool)?
        /// For a local database file: throws unless a decision could be written now (the file still the one opened,
        /// not read-only); /healthz, and so Status-Server, are not ready meanwhile.
        public var databaseWriteProbe: (@Sendable () async throws -> Void)?
        /// The registries `/metrics` renders: the server's parts record into its factories, and so may the store and
        /// the pool when given them (`otpkit verifier serve` does). A fresh one by default.
        public var metrics = VerifierMetricsRegistry()
        /// Where to answer RADIUS (UDP) too, in the same process and on the same store; nil: nowhere.
        public var radius: RADIUSListener?
        /// Services the store needs (a database client's connection pool): started before the listeners, stopped
        /// after them, once the last request in flight was answered.
        public var services: [any Service] = []
        /// What Hummingbird and its ServiceGroup log ("Server started and listening on ...", shutdown steps): at
        /// `.warning` by default, so that only trouble shows; the server's own lines (`listening on`, audit, notes)
        /// do not go through it.
        public var logger = Options.frameworkLogger(level: .warning)
        /// systemd's notification socket: `STOPPING=1` when a shutdown signal arrives, `RELOADING=1` and `READY=1`
        /// around a reload, and with `watchdog` pings while the node answers. nil: not started by systemd.
        public var serviceManager: ServiceManagerNotifier?
        /// systemd's watchdog (`WATCHDOG_USEC`); used with `serviceManager`.
        public var watchdog: WatchdogTimeout?
        /// The audit log's file, reopened on SIGHUP; nil: the audit log is not a file to reopen (stderr).
        public var auditLogReopening: AuditLogReopening?

        public init() {}

        /// A logger for the frameworks under the server, at `level`, through the process's logging backend
        /// (swift-log's default: standard error), or with the journal's priority prefix when stderr is the journal.
        public static func frameworkLogger(level: Logger.Level) -> Logger {
            var logger = JournalStream.standardError.isJournal
                ? Logger(label: "otpkit.verifier", factory: { JournalLogHandler(label: $0) }) : Logger(label: "otpkit.verifier")
            logger.logLevel = level
            return logger
        }
    }

    let verifier: Verifier
    let keys: any APIKeyStore
    let options: Options
    let metrics: ServerMetrics
    let audit: AuditLog
    let health: ServerHealth
    /// What /healthz answers, and Status-Server follows.
    let readiness: SharedReadiness
    let limiter: RateLimiter
    let imports: ImportGate
    /// The RADIUS front end, when `options.radius` asks for one.
    let radius: RADIUSServer?
    /// The HTTPS certificate and key, read again on reload; nil for plain HTTP.
    let tls: ReloadableTLSIdentity?

    public init(verifier: Verifier, keys: any APIKeyStore, options: Options, auditLog: FileHandle = .standardError) {
        self.verifier = verifier
        self.keys = keys
        self.options = options
        let metrics = ServerMetrics(factories: options.metrics.factories)
        self.metrics = metrics
        self.audit = AuditLog(handle: auditLog, failures: metrics.auditWriteFailures)
        self.limiter = RateLimiter(rate: options.rateLimit, burst: options.rateBurst)
        self.imports = ImportGate(threads: options.importThreads, maxPending: options.maxPendingImports)
        if let certificatePath = options.tlsCertificatePath, let keyPath = options.tlsKeyPath {
            tls = ReloadableTLSIdentity(certificatePath: certificatePath, keyPath: keyPath)
        } else {
            tls = nil
        }
        let health = ServerHealth()
        self.health = health
        let readiness = SharedReadiness(ReadinessCheck(verifier: verifier, health: health, databaseCheck: options.databaseCheck,
                                                       writeProbe: options.databaseWriteProbe))
        self.readiness = readiness
        let factories = options.metrics.factories
        // RADIUS drops by reason only on the detailed view, their sum on the public one.
        let radiusFactories = RADIUSServerMetrics.Factories(shared: factories.shared, droppedTotal: factories.publicOnly,
                                                            droppedByReason: factories.detailedOnly)
        radius = options.radius.map { [audit] listener in
            let work = DecisionWork(health: health)
            return RADIUSServer(host: listener.host, port: listener.port, clients: StoreRADIUSClients(verifier: verifier),
                                authenticator: VerifierRADIUSAuthenticator(verifier: verifier, work: work, audit: audit, metrics: metrics),
                                options: RADIUSServerOptions(realm: listener.realm), isReady: { await readiness.isReady },
                                metrics: radiusFactories)
        }
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully: the listeners close, requests and RADIUS
    /// decisions in flight are answered, then the import threads and `options.services` stop, and `run` returns
    /// (the caller may then close the store). SIGHUP reloads (`reload()`); `options.serviceManager` hears of
    /// reloads and shutdown and gets watchdog pings. `onListening` gets the bound address (useful with port 0), then
    /// `onMetricsListening` the metrics listener's when there is one. A listener that cannot be bound throws
    /// `ListenerUnavailable`.
    public func run(onListening: @escaping @Sendable (String) -> Void,
                    onMetricsListening: @escaping @Sendable (String) -> Void = { _ in },
                    onRADIUSListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        let reloads = await UnixSignalsSequence(trapping: .sighup)  // from here on SIGHUP reloads instead of ending the process
        // RADIUS binds first: a taken UDP port ends the start before anything else, the HTTP listener included, was up.
        if let radius {
            do { try await radius.bind() } catch { throw ListenerUnavailable(.radius, host: radius.host, port: radius.port, error: error) }
        }
        defer { radius?.stop() }
        let listening = ListeningFlag()
        let app = try makeApplication(onListening: { address in listening.value.store(true, ordering: .relaxed); onListening(address) },
                                      onMetricsListening: onMetricsListening, onRADIUSListening: onRADIUSListening)
        let group = ServiceGroup(configuration: .init(
            services: lifecycleServices(around: app, eventLoops: app.eventLoopGroup, reloads: reloads),
            gracefulShutdownSignals: [.sigterm, .sigint], logger: options.logger))
        do {
            try await group.run()
        } catch let error as ListenerUnavailable {
            throw error
        } catch where (error is IOError || error is SocketAddressError) && !listening.value.load(ordering: .relaxed) {
            throw ListenerUnavailable(.http, host: options.host, port: options.port, error: error)
        }
    }

    /// The HTTP application with its services (the import threads, the metrics listener, RADIUS); `app.test(.router)` runs it
    /// in process.
    func makeApplication(onListening: @escaping @Sendable (String) -> Void = { _ in },
                         onMetricsListening: @escaping @Sendable (String) -> Void = { _ in },
                         onRADIUSListening: @escaping @Sendable (String) -> Void = { _ in })
        throws -> Application<MethodNotAllowedResponder<RouterResponder<VerifierRequestContext>>> {
        let limits = options.connectionLimits
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestReadDeadline(timeout: limits.requestReadTimeout.timeAmount)],
            idleTimeout: limits.idleTimeout.timeAmount)
        var server = HTTPServerBuilder.http1(configuration: http1)
        if let tls {
            try tls.load()
            server = try .tls(.http1(configuration: http1), tlsConfiguration: tls.serverConfiguration())
        }
        let router = makeRouter()
        let importThreads = ImportThreadsService(imports: imports)
        // Services stop in the reverse of this order: the HTTP listener (Hummingbird's own, last) first, then
        // RADIUS and the metrics listener, then the import threads, then what the store needs.
        var app = Application(
            responder: MethodNotAllowedResponder(router.buildResponder(), routes: router.routes.map { ($0.path, $0.method) }),
            server: server,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "otpkit",
                                 availableConnectionsDelegate: MaximumAvailableConnections(max(1, limits.maxConnections))),
            services: options.services + [importThreads],
            onServerRunning: { channel in onListening(Self.address(channel)) },
            logger: options.logger)
        app.beforeServerStarts { importThreads.start() }
        if let metricsHost = options.metricsHost {
            // Its own small listener: a scraper, not the public, reaches it; the same timeouts and a small cap.
            let listening = ListeningFlag()
            app.addServices(BindingService(listener: .metrics, host: metricsHost, port: options.metricsPort, listening: listening, wrapped: Application(
                router: makeMetricsRouter(),
                server: .http1(configuration: .init(idleTimeout: limits.idleTimeout.timeAmount)),
                configuration: .init(address: .hostname(metricsHost, port: options.metricsPort), serverName: "otpkit-metrics",
                                     availableConnectionsDelegate: MaximumAvailableConnections(16)),
                onServerRunning: { channel in
                    listening.value.store(true, ordering: .relaxed)
                    onMetricsListening(Self.address(channel))
                },
                logger: options.logger)))
        }
        if let radius { app.addServices(RADIUSService(server: radius, onListening: onRADIUSListening)) }
        return app
    }

    private static func address(_ channel: any Channel) -> String {
        channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
    }

    /// The metrics listener's routes: the detailed view, no key.
    func makeMetricsRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ in self.metricsResponse(.detailed) }
        return router
    }

    private func metricsResponse(_ view: VerifierMetricsRegistry.View) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: .init(byteBuffer: ByteBuffer(bytes: options.metrics.render(view))))
    }

    /// The routes: health, metrics and the description without a key; verification for any key; administration
    /// for admin keys. Errors render through `APIErrorMiddleware`, every answer is counted and timed.
    func makeRouter() -> Router<VerifierRequestContext> {
        let router = Router(context: VerifierRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: APIErrorMiddleware())
        router.get("/healthz") { _, _ in
            do {
                try await self.readiness.check()
                return Response.json(["status": "ready", "database": "reachable"])
            } catch {
                let unreachable = (error as? VerifierError).map { if case .unavailable = $0 { true } else { false } } ?? false
                OperatorNotes.write("503 GET /healthz not_ready: \(Self.cause(of: error))")
                return Response.json(["status": "not_ready", "database": unreachable ? "unreachable" : "reachable"], status: .serviceUnavailable)
            }
        }
        router.get("/metrics") { _, _ in self.metricsResponse(.publicPort) }
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        addVerification(to: keyed(router, role: .verify))
        let admin = keyed(router, role: .admin)
        addAdministration(to: admin)
        addUserAdministration(to: admin)
        return router
    }

    /// The `/v1` routes a key of `role` may call: authenticated, then rate-limited per key.
    private func keyed(_ router: Router<VerifierRequestContext>, role: APIKeyRole) -> RouterGroup<VerifierRequestContext> {
        router.group("/v1")
            .add(middleware: APIKeyAuthentication(keys: keys, role: role))
            .add(middleware: RateLimitMiddleware(limiter: limiter))
    }

    private func addVerification(to group: RouterGroup<VerifierRequestContext>) {
        group.post("verify") { request, context in
            let client = try context.authenticatedKey()
            let body = try await self.decode(VerifyRequest.self, from: request)
            let outcome: VerificationOutcome, token: String, user: String?
            switch body.subject {
            case .token(let id):
                (outcome, token, user) = (try await self.deciding { try await self.verifier.verify(tokenID: id, code: body.code) }, id, nil)
            case .user(let name):
                // The whole password: the user's PIN, when they have one, followed by the code.
                let login = try await self.deciding { try await self.verifier.verify(user: name, password: body.code) }
                (outcome, token, user) = (login.outcome, login.tokenID ?? "-", name)
            }
            let label = outcome.label
            self.metrics.decision("verify", outcome: label)
            self.audit.record("verify", token: token, user: user, client: client.id, outcome: label)
            return Response.verifyAnswer(accepted: outcome.accepted)
        }
        group.post("resync") { request, context in
            let client = try context.authenticatedKey()
            let body = try await self.decode(ResyncRequest.self, from: request)
            let label: String
            do {
                let outcome = try await self.deciding { try await self.verifier.resync(tokenID: body.token, code1: body.code1, code2: body.code2) }
                label = outcome == .notFound ? "not_found" : "resynchronized"
            } catch let error as VerifierError {
                // A verify-only client learns nothing more than "not resynchronised".
                switch error {
                case .unknownToken: label = "unknown_token"
                case .tokenLocked: label = "locked"
                case .invalidToken: label = "not_hotp"
                default: throw error
                }
            }
            self.metrics.decision("resync", outcome: label)
            self.audit.record("resync", token: body.token, client: client.id, outcome: label)
            return Response.json(["resynchronized": label == "resynchronized"])
        }
    }

    private func addAdministration(to admin: RouterGroup<VerifierRequestContext>) {
        admin.get("tokens") { _, _ in
            Response.json(try await self.verifier.administration.tokens().map(TokenSummary.init))
        }
        admin.post("tokens") { request, context in
            let client = try context.authenticatedKey()
            let body = try await self.collect(request, limit: self.options.maxImportBytes)
            var credentials = SeedFile.Credentials()
            if let key = request.headers[HTTPField.Name("X-PSKC-Key")!] {
                guard let bytes = try? Hex.decode(key) else { throw APIError.badRequest("X-PSKC-Key must be hex") }
                credentials.preSharedKey = bytes
            }
            credentials.password = request.headers[HTTPField.Name("X-PSKC-Password")!]
            switch request.headers[HTTPField.Name("X-PSKC-Allow-Missing-MAC")!]?.lowercased() {
            case nil, "false": break
            case "true": credentials.allowMissingMAC = true
            default: throw APIError.badRequest("X-PSKC-Allow-Missing-MAC must be true or false")
            }
            let readCredentials = credentials
            let (contents, tokens) = try await self.imports.run {
                let contents = try SeedFile.readContents(body, credentials: readCredentials)
                return (contents, try contents.records.map { try self.verifier.token(from: $0) })
            }
            var ids = Set<String>()
            if let twice = contents.records.first(where: { !ids.insert($0.tokenID).inserted }) {
                throw APIError.badRequest("the file holds token \(twice.tokenID) twice")
            }
            do {
                try await self.deciding { try await self.verifier.add(tokens) }
            } catch VerifierError.duplicateToken(let id) {
                throw try await self.conflict(importing: contents.records, duplicate: id, client: client.id)
            }
            for record in contents.records {
                self.audit.record("import", token: record.tokenID, user: record.user, client: client.id, outcome: "imported")
            }
            return Response.json(ImportAnswer(imported: contents.records.map(\.tokenID), skipped: contents.skipped), status: .created)
        }
        admin.get("tokens/:id") { _, context in
            let id = try self.tokenID(context)
            guard let token = try await self.verifier.administration.token(id: id) else {
                throw APIError(VerifierError.unknownToken(id))
            }
            return Response.json(TokenSummary(token))
        }
        admin.put("tokens/:id/counter") { request, context in
            let client = try context.authenticatedKey()
            let id = try self.tokenID(context)
            let body = try await self.decode(CounterRequest.self, from: request)
            try await self.deciding { try await self.verifier.administration.setCounter(tokenID: id, to: body.counter, force: body.force ?? false) }
            self.audit.record("set_counter", token: id, client: client.id, outcome: "set")
            return Response.json(["counter": body.counter])
        }
        admin.post("tokens/:id/unlock") { _, context in
            let client = try context.authenticatedKey()
            let id = try self.tokenID(context)
            try await self.deciding { try await self.verifier.administration.unlock(tokenID: id) }
            self.audit.record("unlock", token: id, client: client.id, outcome: "unlocked")
            return Response.json(["unlocked": true])
        }
        admin.delete("tokens/:id") { _, context in
            let client = try context.authenticatedKey()
            let id = try self.tokenID(context)
            guard try await self.deciding({ try await self.verifier.administration.delete(tokenID: id) }) else { throw APIError(VerifierError.unknownToken(id)) }
            self.audit.record("delete", token: id, client: client.id, outcome: "deleted")
            return Response.json(["deleted": true])
        }
    }

    // MARK: Plumbing

    /// What an import stored, and what the file held that is no HOTP/TOTP token (a PIN key, a Yubico OTP line).
    struct ImportAnswer: Encodable { let imported: [String]; let skipped: [String] }

    /// One line for the operator; verifier errors name tokens and stores, never secrets or codes.
    static func cause(of error: Error) -> String {
        switch error {
        case let error as APIError: error.cause ?? error.message
        case let error as VerifierError: error.description
        default: "\(type(of: error))"
        }
    }

    private func collect(_ request: Request, limit: Int) async throws -> [UInt8] {
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw APIError.tooLarge(limit)
        }
    }

    func decode<Body: APIRequestBody>(_ type: Body.Type, from request: Request) async throws -> Body {
        let bytes = try await collect(request, limit: options.maxBodyBytes)
        do { return try Body.decode(bytes) } catch { throw APIError.badRequest(error.description) }
    }

    /// The path's token id, percent-decoded: ids may hold spaces, `/` (as %2F) and any UTF-8.
    func tokenID(_ context: VerifierRequestContext) throws -> String {
        guard let raw = context.parameters.get("id"), let id = raw.removingPercentEncoding, !id.isEmpty else {
            throw APIError.badRequest("no token id, or one that is not percent-encoded UTF-8")
        }
        return id
    }

    /// The answer to an import that met tokens the store has (nothing was imported): the same seed again is a no-op
    /// (`duplicate_token`), another seed under an id is a reprogrammed token whose stored seed is kept
    /// (`token_has_other_seed`, naming every such id). Each is audited: an admin probing seeds leaves a trail.
    func conflict(importing records: [SeedRecord], duplicate: String, client: String) async throws -> APIError {
        var other: [String] = []
        for record in records {
            let comparison = try await verifier.storedSeed(comparedWith: record)
            guard comparison != .absent else { continue }
            if comparison != .same { other.append(record.tokenID) }
            audit.record("import", token: record.tokenID, user: record.user, client: client,
                         outcome: comparison == .same ? "already_there" : "other_seed_there")
        }
        return other.isEmpty ? APIError(VerifierError.duplicateToken(duplicate)) : .otherSeedStored(other)
    }

    func deciding<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        try await DecisionWork(health: health).deciding(work)
    }
}

extension Response {
    /// Keys sorted: the same answer is the same bytes every time (Foundation's encoder otherwise orders keys as
    /// they hash, which differs from request to request).
    /// The answer of every verify, encoded once (it is the hottest path's body).
    static func verifyAnswer(accepted: Bool) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: accepted ? acceptedBody : refusedBody))
    }

    private static let acceptedBody = ByteBuffer(string: #"{"accepted":true}"#)
    private static let refusedBody = ByteBuffer(string: #"{"accepted":false}"#)

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
