import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small synchronous HTTP client for the verifier's admin API (provisioning hand-off).
enum VerifierPush {
    /// POSTs `body` with the admin key; returns the status and the answer's text. Unreachable servers are errors.
    static func post(base: String, path: String, key: String, body: Data) throws -> (Int, String) {
        guard let url = URL(string: base.hasSuffix("/") ? String(base.dropLast()) + path : base + path) else {
            throw CLIFailure("bad verifier URL \(base)", code: .usage)
        }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, String)?
        nonisolated(unsafe) var failure: Error?
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { failure = error } else {
                result = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
            }
            done.signal()
        }.resume()
        done.wait()
        guard let result else {
            throw CLIFailure("cannot reach the verifier at \(base): \(failure.map { "\($0.localizedDescription)" } ?? "no answer"); "
                             + "the seeds stay in the journal", code: .unreachable)
        }
        return result
    }
}
