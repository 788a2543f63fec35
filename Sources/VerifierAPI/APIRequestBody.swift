import Foundation

/// The JSON bodies the verification server's routes accept, and how a body is read: pure decoding, no HTTP, so that
/// the server and the fuzzer (`make fuzz`, target http-bodies) read bodies through the very same code.
public protocol APIRequestBody: Decodable, Sendable {}

/// `POST /v1/verify`
public struct VerifyRequest: APIRequestBody {
    public let token: String
    public let code: String
}

/// `POST /v1/resync`
public struct ResyncRequest: APIRequestBody {
    public let token: String
    public let code1: String
    public let code2: String
}

/// `PUT /v1/tokens/ID/counter`
public struct CounterRequest: APIRequestBody {
    public let counter: UInt64
    public let force: Bool?
}

/// A body that is not the route's JSON, in words for the client (field names only, never a value).
public struct BadRequestBody: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
}

extension APIRequestBody {
    /// Reads a body of this route; the caller has bounded its size.
    public static func decode(_ bytes: [UInt8]) throws(BadRequestBody) -> Self {
        do {
            return try JSONDecoder().decode(Self.self, from: Data(bytes))
        } catch let error as DecodingError {
            switch error {
            case .keyNotFound(let key, _): throw BadRequestBody(description: "missing field \(key.stringValue)")
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                throw BadRequestBody(description: "wrong type for \(context.codingPath.map(\.stringValue).joined(separator: "."))")
            default: throw BadRequestBody(description: "the body is not valid JSON")
            }
        } catch {
            throw BadRequestBody(description: "the body is not valid JSON")
        }
    }
}
