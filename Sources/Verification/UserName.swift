import Foundation

/// A user's name as the verifier compares them: exactly, after Unicode NFC normalisation (so "é" typed as one code
/// point or as "e" and a combining accent is one user). A realm (`alice@corp`) is part of the name; a front end
/// that is told to strips it first (`otpkit verifier serve --strip-realm`).
public struct UserName: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// At most 253 bytes: what a RADIUS User-Name attribute can carry.
    public static let maximumBytes = 253

    public init(_ raw: String) throws(VerifierError) {
        let normalized = raw.precomposedStringWithCanonicalMapping
        guard !normalized.isEmpty, normalized.utf8.count <= Self.maximumBytes else {
            throw .invalidUser("a user name is 1 to \(Self.maximumBytes) bytes")
        }
        guard !normalized.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidUser("a user name holds no control characters")
        }
        text = normalized
    }

    public var description: String { text }
}
