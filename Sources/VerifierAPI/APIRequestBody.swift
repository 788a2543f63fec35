import Foundation

/// The JSON bodies the verification server's routes accept, and how a body is read: pure decoding, no HTTP, so that
/// the server and the fuzzer (`make fuzz`, target http-bodies) read bodies through the very same code.
public protocol APIRequestBody: Decodable, Sendable {}

/// `POST /v1/verify`: a code for one token (`{"token", "code"}`) or for a user's tokens (`{"user", "code"}`, the code
/// after the user's PIN when they have one). Exactly one of token and user.
public struct VerifyRequest: APIRequestBody {
    /// Whose code it is.
    public enum Subject: Sendable, Equatable {
        case token(String)
        case user(String)
    }

    public let subject: Subject
    public let code: String

    private enum CodingKeys: String, CodingKey { case token, user, code }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let token = try container.decodeIfPresent(String.self, forKey: .token)
        let user = try container.decodeIfPresent(String.self, forKey: .user)
        code = try container.decode(String.self, forKey: .code)
        switch (token, user) {
        case (let token?, nil): subject = .token(token)
        case (nil, let user?): subject = .user(user)
        default: throw BadRequestBody(description: "give exactly one of the fields token and user")
        }
    }
}

/// `PUT /v1/tokens/ID/user`: the user who owns the token from now on.
public struct AssignRequest: APIRequestBody {
    public let user: String
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
        } catch let error as BadRequestBody {
            throw error
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
