/// Why seeds could not be handed to a verifier. Never carries the admin key or a seed.
public enum VerifierImportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not an http(s) URL with a host, or plain http to another machine (seeds would cross the network in the clear).
    case badURL(String, reason: String)
    /// No answer: refused connection, unknown host, TLS failure, timeout.
    case unreachable(String, reason: String)
    /// An answer that is not the verifier's: larger than `VerifierImportClient.answerLimit`, or cut off.
    case unusableAnswer(String, reason: String)

    public var description: String {
        switch self {
        case .badURL(let url, let reason): "bad verifier URL \(url): \(reason)"
        case .unreachable(let url, let reason): "cannot reach the verifier at \(url): \(reason)"
        case .unusableAnswer(let url, let reason): "the verifier at \(url) gave an unusable answer: \(reason)"
        }
    }
}
