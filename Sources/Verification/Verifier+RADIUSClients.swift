import Foundation
import OTPCore

extension Verifier {
    /// Shared secrets are 8 to 128 bytes (RFC 2865 asks for at least 16 and unguessable; short ones are accepted for
    /// old equipment, the CLI warns).
    public static let radiusSecretBytes = 8...128
}
