import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import OTPCore

/// Hands seeds to a running otpkit verifier through its admin API (`POST /v1/tokens`), one request per token so that
/// each gets its own answer. A token the verifier has already is left as it is: sending a batch again duplicates and
/// resets nothing, and a token whose stored seed is another one (it was reprogrammed) is said apart.
///
/// Seeds go only over https, or over plain http to this machine. The admin key goes to the URL given and nowhere
/// else: no proxy (none is read from the environment), no redirect followed (a redirect is an answer). Each request,
/// answer included, ends after `timeout`, and an answer is read up to `answerLimit` bytes. The key is in no
/// description, mirror or error. Nothing of an answer's free text is kept or shown (a proxy may echo the request,
/// seed and all, into its error message): a refusal carries the HTTP status and the verifier's error code only, and
/// a seed counts as imported only when the answer names its token among those imported.
public final class VerifierImportClient: Sendable, CustomStringConvertible, CustomReflectable {
    /// What the verifier did with one seed.
    public enum Outcome: Sendable, Equatable, CustomStringConvertible {
        /// The verifier took the seed now.
        case imported
        /// The verifier has this very seed already (sending it again changes nothing).
        case alreadyThere
        /// The verifier has another seed under this token id, and keeps it: the token was reprogrammed, and its
        /// codes will fail there until that token is deleted on the verifier and this seed sent again.
        case otherSeedThere
        /// Not imported: the HTTP status, and the verifier's error code when it sent one that looks like a code
        /// (`[a-z_]`, at most `maximumCodeLength` characters; else empty). The error's message is never kept.
        case refused(status: Int, code: String)

        /// The outcome in words, as `otpkit provision --push` prints it.
        public var description: String {
            switch self {
            case .imported: "imported"
            case .alreadyThere: "already there"
            case .otherSeedThere: "another seed is there, which the verifier keeps"
            case .refused(let status, let code): "refused (HTTP \(status)\(code.isEmpty ? "" : " \(code)"))"
            }
        }

        /// One stable word for programs: `imported`, `already_there`, `other_seed_there`, `refused`.
        public var word: String {
            switch self {
            case .imported: "imported"
            case .alreadyThere: "already_there"
            case .otherSeedThere: "other_seed_there"
            case .refused: "refused"
            }
        }

        /// The verifier holds this seed now (imported now or before).
        public var isImported: Bool { self == .imported || self == .alreadyThere }
    }

    /// The most of an answer that is read; the verifier's answers are far smaller.
    public static let answerLimit = 64 * 1024
    /// The longest error code kept from an answer; the verifier's are far shorter.
    public static let maximumCodeLength = 40

    /// The base URL, as given (it holds no userinfo or query: those are refused).
    public let baseURL: String
    private let importURL: String
    private let accessCheckURL: String
    private let adminKey: String
    /// How long one request may take, its whole answer included.
    public let timeout: Duration

    /// Checks the URL now, so that a batch refuses a bad one before any token is programmed.
    public init(baseURL: String, adminKey: String, timeout: Duration = .seconds(10)) throws(VerifierImportError) {
        let shown = Self.withoutCredentials(baseURL)
        let usage = "give http(s)://HOST[:PORT][/PATH]"
        guard let components = URLComponents(string: baseURL), let scheme = components.scheme?.lowercased(),
              let host = components.percentEncodedHost, !host.isEmpty else { throw .badURL(shown, reason: usage) }
        guard components.percentEncodedUser == nil, components.percentEncodedPassword == nil else {
            throw .badURL(shown, reason: "a URL with a user or password in it; the admin key comes from the environment")
        }
        guard components.percentEncodedQuery == nil, components.percentEncodedFragment == nil else {
            throw .badURL(shown, reason: "a URL with a query or fragment; \(usage)")
        }
        guard !host.contains("%"), !host.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else {
            throw .badURL(shown, reason: "the host is written with escapes or control characters")
        }
        switch scheme {
        case "https": break
        case "http" where Self.isThisMachine(host): break
        case "http": throw .badURL(shown, reason: "plain http would carry the seeds across the network in the clear; use https")
        default: throw .badURL(shown, reason: usage)
        }
        guard !adminKey.isEmpty else { throw .badSetting("no admin API key given") }
        // A key read from a file with its line end would fail in the header, and the error would show it.
        guard adminKey.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .badSetting("the admin API key holds a space, a line end or another character no key has")
        }
        guard timeout > .zero else { throw .badSetting("the timeout must be more than 0") }
        var endpoint = components
        let prefix = components.percentEncodedPath.hasSuffix("/") ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        endpoint.percentEncodedPath = prefix + "/v1/tokens"
        guard let importURL = endpoint.string else { throw .badURL(shown, reason: usage) }
        self.baseURL = baseURL
        self.importURL = importURL
        accessCheckURL = importURL + "/otpkit-access-check"
        self.adminKey = adminKey
        self.timeout = timeout
    }

    public var description: String { "VerifierImportClient(\(baseURL), admin key given, timeout \(timeout))" }
    public var customMirror: Mirror { Mirror(self, children: ["baseURL": baseURL, "timeout": timeout]) }

    /// Sends one seed. An error means no answer was had: whether the verifier took the seed is unknown, and sending
    /// it again is safe.
    public func send(_ seed: SeedRecord) async throws(VerifierImportError) -> Outcome {
        var request = HTTPClientRequest(url: importURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        // Encoding a seed record cannot fail; were it to, the empty body would be refused by the verifier.
        request.body = .bytes(ByteBuffer(bytes: (try? JSONEncoder().encode([seed])) ?? Data()))
        let answer = try await exchange(request)
        switch (answer.status, answer.errorCode) {
        case (201, _):
            // Only the verifier's own confirmation counts: a 201 from anything else (a proxy, another service)
            // took nothing that will verify codes.
            guard answer.imported?.contains(seed.tokenID) == true else {
                throw .unusableAnswer(baseURL, reason: "a 201 that does not name \(seed.tokenID) among the tokens imported, not an otpkit verifier's")
            }
            return .imported
        case (409, "duplicate_token"): return .alreadyThere
        case (409, "token_has_other_seed"): return .otherSeedThere
        default: return .refused(status: answer.status, code: answer.errorCode ?? "")
        }
    }

    /// Asks the verifier whether the admin key may import (one read of a token id nobody uses), so that a batch
    /// learns of a wrong key or a stopped verifier before it programs any token. Nil: it may; else the refusal.
    public func checkAccess() async throws(VerifierImportError) -> Outcome? {
        let answer = try await exchange(HTTPClientRequest(url: accessCheckURL))
        if answer.status == 404 && answer.errorCode == "unknown_token" { return nil }
        return .refused(status: answer.status, code: answer.errorCode ?? "")
    }

    // MARK: The exchange

    /// One HTTP client for every importer of the process: no proxy, no redirect followed, connections kept for the
    /// next seed. It lives as long as the process (never shut down).
    private static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: HTTPClient.Configuration.Timeout(connect: .seconds(10)),
                                                     proxy: nil, decompression: .disabled)
        // A refused connection is said at once, not retried until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// What is kept of an answer: never its free text.
    private struct Answer {
        let status: Int
        /// The error's code, when it is a short word of `[a-z_]`.
        let errorCode: String?
        /// The token ids a 201 names as imported.
        let imported: [String]?

        init(status: Int, body: Data) {
            self.status = status
            let code = (try? JSONDecoder().decode(ErrorAnswer.self, from: body))?.error.code
            errorCode = code.flatMap { code in
                code.count <= VerifierImportClient.maximumCodeLength && !code.isEmpty
                    && code.unicodeScalars.allSatisfy { (0x61...0x7A).contains($0.value) || $0 == "_" } ? code : nil
            }
            imported = status == 201 ? (try? JSONDecoder().decode(ImportedAnswer.self, from: body))?.imported : nil
        }
    }

    /// `{"error": {"code", ...}}`, the verifier's error answer (its message is not read).
    private struct ErrorAnswer: Decodable {
        struct Detail: Decodable { let code: String }
        let error: Detail
    }

    /// `{"imported": [ID, ...], ...}`, the verifier's answer to an import.
    private struct ImportedAnswer: Decodable {
        let imported: [String]
    }

    /// The request with the admin key, and its whole answer, within `timeout`. A kept-alive connection the verifier
    /// closed meanwhile costs one retry (every request here can be sent twice).
    private func exchange(_ request: HTTPClientRequest) async throws(VerifierImportError) -> Answer {
        do throws(VerifierImportError) {
            return try await exchangeOnce(request)
        } catch .unreachable(_, reason: Self.closedBeforeTheAnswer) {
            return try await exchangeOnce(request)
        }
    }

    private static let closedBeforeTheAnswer = "the connection closed before the answer"

    private func exchangeOnce(_ unsigned: HTTPClientRequest) async throws(VerifierImportError) -> Answer {
        var signed = unsigned
        signed.headers.add(name: "Authorization", value: "Bearer \(adminKey)")
        let (request, url, timeout) = (signed, baseURL, timeout)
        let outcome = await withTaskGroup(of: Result<Answer, VerifierImportError>?.self) { group in
            group.addTask {
                do {
                    let response = try await Self.http.execute(request, timeout: TimeAmount(timeout))
                    let body = try await response.body.collect(upTo: Self.answerLimit)
                    return .success(Answer(status: Int(response.status.code), body: Data(body.readableBytesView)))
                } catch {
                    return .failure(Self.failure(error, url: url, timeout: timeout))
                }
            }
            // The client's deadline ends the wait for the head; this one covers the body too (a server dripping it).
            group.addTask {
                do { try await Task.sleep(for: timeout) } catch { return nil }
                return .failure(.unreachable(url, reason: "no answer within \(timeout)"))
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let outcome else { throw .cancelled }
        return try outcome.get()
    }

    private static func failure(_ error: any Error, url: String, timeout: Duration) -> VerifierImportError {
        switch error {
        case is CancellationError: return .cancelled
        case is NIOTooManyBytesError: return .unusableAnswer(url, reason: "an answer of more than \(answerLimit) bytes")
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .readTimeout: return .unreachable(url, reason: "no answer within \(timeout)")
            case .connectTimeout: return .unreachable(url, reason: "no connection within 10 seconds")
            case .tlsHandshakeTimeout: return .unreachable(url, reason: "the TLS handshake did not end in time")
            case .remoteConnectionClosed: return .unreachable(url, reason: closedBeforeTheAnswer)
            case .cancelled: return .cancelled
            // The short description holds no value of the request (a header could hold the key).
            default: return .unusableAnswer(url, reason: error.shortDescription)
            }
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return .unreachable(url, reason: "unknown host")
            }
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return .unreachable(url, reason: "the connection was refused")
            }
            return .unreachable(url, reason: "no connection could be made")
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return .unreachable(url, reason: "the connection was refused")
        default:
            let text = String(describing: error)
            if text.contains("NIOSSL") || text.contains("handshake") || text.contains("certificate") {
                return .unreachable(url, reason: "the TLS handshake failed (is the verifier's certificate trusted by this machine?)")
            }
            return .unreachable(url, reason: printable(text))
        }
    }

    // MARK: Text

    /// What another server says is shown to an operator: no control, format or line-separator characters (no
    /// terminal escapes, no bidi overrides), no screenful.
    static func printable(_ text: String?) -> String {
        let kept = (text ?? "").unicodeScalars.filter { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: false
            default: true
            }
        }
        return String(String.UnicodeScalarView(kept.prefix(200)))
    }

    /// A URL as it may be shown: without userinfo and query; nothing when it does not parse.
    static func withoutCredentials(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return "(the URL given)" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return printable(components.string ?? "(the URL given)")
    }

    private static func isThisMachine(_ host: String) -> Bool {
        let host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if host.lowercased() == "localhost" { return true }
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } == Array(repeating: 0, count: 15) + [1] }
        return false
    }
}

private extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? Int64.max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
