import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// The delegate of one HTTP request: collects the answer up to a limit (a larger one cancels the request), refuses
/// redirects (the request's credentials go to its URL and nowhere else; the redirect is the answer), and reports
/// once, when the request ends.
final class BoundedAnswerCollector: NSObject, URLSessionDataDelegate, Sendable {
    struct Answer: Sendable {
        let status: Int
        let body: Data
    }

    enum Failure: Error {
        case transport(URLError.Code?, String)
        case tooLarge(Int)
        case notHTTP

        func error(url: String, timeout: Double) -> VerifierImportError {
            switch self {
            case .tooLarge(let limit): .unusableAnswer(url, reason: "an answer of more than \(limit) bytes")
            case .notHTTP: .unusableAnswer(url, reason: "not an HTTP answer")
            case .transport(.timedOut?, _): .unreachable(url, reason: "no answer within \(timeout) s")
            case .transport(.cannotConnectToHost?, _): .unreachable(url, reason: "the connection was refused")
            case .transport(.cannotFindHost?, _), .transport(.dnsLookupFailed?, _): .unreachable(url, reason: "unknown host")
            case .transport(.networkConnectionLost?, _): .unreachable(url, reason: "the connection closed before the answer")
            case .transport(.secureConnectionFailed?, _), .transport(.serverCertificateUntrusted?, _),
                 .transport(.serverCertificateHasBadDate?, _), .transport(.serverCertificateHasUnknownRoot?, _),
                 .transport(.serverCertificateNotYetValid?, _):
                .unreachable(url, reason: "the TLS handshake failed (is the verifier's certificate trusted by this machine?)")
            case .transport(_, let text): .unreachable(url, reason: text)
            }
        }
    }

    private struct State {
        var body = Data()
        var tooLarge = false
        var reported = false
    }

    private let limit: Int
    private let finished: @Sendable (Result<Answer, Failure>) -> Void
    private let state = Mutex(State())

    init(limit: Int, finished: @escaping @Sendable (Result<Answer, Failure>) -> Void) {
        self.limit = limit
        self.finished = finished
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let overflow = state.withLock { state in
            guard !state.tooLarge else { return false }
            guard state.body.count + data.count <= limit else {
                state.tooLarge = true
                state.body = Data()
                return true
            }
            state.body.append(data)
            return false
        }
        if overflow { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (body, tooLarge, first) = state.withLock { state in
            defer { state.reported = true }
            return (state.body, state.tooLarge, !state.reported)
        }
        guard first else { return }
        if tooLarge { return finished(.failure(.tooLarge(limit))) }
        if let error {
            return finished(.failure(.transport((error as? URLError)?.code, error.localizedDescription)))
        }
        guard let response = task.response as? HTTPURLResponse else { return finished(.failure(.notHTTP)) }
        finished(.success(Answer(status: response.statusCode, body: body)))
    }
}
