/// Why seeds could not be handed to a verifier. Never carries the admin key, a seed, or the userinfo or query of a
/// URL.
public enum VerifierImportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not an http(s) URL with a plain host, or plain http to another machine (seeds would cross the network in the
    /// clear).
    case badURL(String, reason: String)
    /// A setting that cannot work: no admin key, a timeout of zero.
    case badSetting(String)
    /// No answer: refused connection, unknown host, TLS failure, no answer within the timeout.
    case unreachable(String, reason: String)
    /// An answer that is not the verifier's: larger than `VerifierImportClient.answerLimit`, or cut off.
    case unusableAnswer(String, reason: String)
    /// The task sending was cancelled; whether the verifier took the seed is unknown.
    case cancelled

    /// What failed, without the key, a seed or a URL's credentials.
    public var description: String {
        switch self {
        case .badURL(let url, let reason): "bad verifier URL \(url): \(reason)"
        case .badSetting(let reason): "cannot push to a verifier: \(reason)"
        case .unreachable(let url, let reason): "cannot reach the verifier at \(url): \(reason)"
        case .unusableAnswer(let url, let reason): "the verifier at \(url) gave an unusable answer: \(reason)"
        case .cancelled: "the push was cancelled"
        }
    }
}
