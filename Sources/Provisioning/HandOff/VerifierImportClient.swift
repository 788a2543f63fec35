import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OTPCore

/// Hands seeds to a running otpkit verifier through its admin API (`POST /v1/tokens`), one request per token so that
/// each gets its own answer. A token the verifier has already is left as it is: sending a batch again duplicates and
/// resets nothing.
///
/// Seeds go only over https, or over plain http to this machine. The admin key goes to the URL given and nowhere
/// else (a redirect is an answer, not followed), an answer is read up to `answerLimit` bytes, and each request ends
/// after `timeout`. The key is in no description or error.
public final class VerifierImportClient: Sendable, CustomStringConvertible {
    /// What the verifier did with one seed.
    public enum Outcome: Sendable, Equatable, CustomStringConvertible {
        case imported
        /// The verifier has a token of this id already; it is left as it is.
        case alreadyThere
        /// Not imported: the HTTP status, and the verifier's error code and message when it sent them (printable
        /// characters only, at most 200).
        case refused(status: Int, code: String, message: String)

        public var description: String {
            switch self {
            case .imported: "imported"
            case .alreadyThere: "already there"
            case .refused(let status, let code, let message):
                "refused (\(status)\(code.isEmpty ? "" : " \(code)")\(message.isEmpty ? "" : ": \(message)"))"
            }
        }

        public var isImported: Bool { self == .imported || self == .alreadyThere }
    }

    /// The most of an answer that is read; the verifier's answers are far smaller.
    public static let answerLimit = 64 * 1024

    /// The base URL as given.
    public let baseURL: String
    private let endpoint: URL
    private let adminKey: String
    private let timeout: Duration

    /// Checks the URL now, so that a batch refuses a bad one before any token is programmed.
    public init(baseURL: String, adminKey: String, timeout: Duration = .seconds(10)) throws(VerifierImportError) {
        guard let base = URL(string: baseURL), let scheme = base.scheme?.lowercased(), let host = base.host, !host.isEmpty,
              base.user == nil, base.password == nil, base.query == nil, base.fragment == nil else {
            throw .badURL(baseURL, reason: "give http(s)://HOST[:PORT][/PATH]")
        }
        switch scheme {
        case "https": break
        case "http" where Self.isThisMachine(host): break
        case "http": throw .badURL(baseURL, reason: "plain http would carry the seeds across the network in the clear; use https")
        default: throw .badURL(baseURL, reason: "give http(s)://HOST[:PORT][/PATH]")
        }
        guard !adminKey.isEmpty else { throw .badURL(baseURL, reason: "no admin API key given") }
        guard timeout > .zero else { throw .badURL(baseURL, reason: "the timeout must be more than 0") }
        self.baseURL = baseURL
        endpoint = base.appendingPathComponent("v1/tokens")
        self.adminKey = adminKey
        self.timeout = timeout
    }

    public var description: String { "VerifierImportClient(\(baseURL), admin key given, timeout \(timeout))" }

    /// Sends one seed. An error means no answer was had: whether the verifier took the seed is unknown, and sending
    /// it again is safe.
    public func send(_ seed: SeedRecord) async throws(VerifierImportError) -> Outcome {
        let result = await withCheckedContinuation { continuation in start(seed) { continuation.resume(returning: $0) } }
        return try result.get()
    }

    /// `send(_:)` for synchronous code (a command-line tool after `ProvisioningBatch.run`): blocks this thread.
    @available(*, noasync, message: "use send(_:) in async code")
    public func sendWaiting(_ seed: SeedRecord) throws(VerifierImportError) -> Outcome {
        let answer = AnswerSlot<Result<Outcome, VerifierImportError>>()
        start(seed) { answer.fill($0) }
        return try answer.wait().get()
    }

    private func start(_ seed: SeedRecord, finished: @escaping @Sendable (Result<Outcome, VerifierImportError>) -> Void) {
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("Bearer \(adminKey)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        // Encoding a seed record cannot fail; were it to, the empty body would be refused by the verifier.
        request.httpBody = (try? JSONEncoder().encode([seed])) ?? Data()
        let configuration = URLSessionConfiguration.ephemeral
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        configuration.timeoutIntervalForRequest = seconds
        configuration.timeoutIntervalForResource = seconds
        configuration.httpShouldSetCookies = false
        let url = baseURL
        let collector = BoundedAnswerCollector(limit: Self.answerLimit) { result in
            finished(result.map(Self.outcome).mapError { $0.error(url: url, timeout: seconds) })
        }
        // A session of its own: the collector is its delegate, and it is let go once the answer is in.
        let session = URLSession(configuration: configuration, delegate: collector, delegateQueue: nil)
        session.dataTask(with: request).resume()
        session.finishTasksAndInvalidate()
    }

    private static func outcome(_ answer: BoundedAnswerCollector.Answer) -> Outcome {
        let error = try? JSONDecoder().decode(ErrorAnswer.self, from: answer.body).error
        switch (answer.status, error?.code) {
        case (201, _): return .imported
        case (409, "duplicate_token"): return .alreadyThere
        default: return .refused(status: answer.status, code: printable(error?.code), message: printable(error?.message))
        }
    }

    /// `{"error": {"code", "message"}}`, the verifier's error answer.
    private struct ErrorAnswer: Decodable {
        struct Detail: Decodable { let code: String; let message: String }
        let error: Detail
    }

    /// What another server says is shown to an operator: no control characters, no screenful.
    private static func printable(_ text: String?) -> String {
        String(String.UnicodeScalarView((text ?? "").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(200)))
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
