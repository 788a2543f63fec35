import Foundation
import OTPCore

extension Verifier {
    /// Shared secrets are 8 to 128 bytes (RFC 2865 asks for at least 16 and unguessable; short ones are accepted for
    /// old equipment, the CLI warns).
    public static let radiusSecretBytes = 8...128

    /// Adds a RADIUS client, its shared secret sealed under the current master key. `address` must already have been
    /// checked as an address or CIDR network by the caller (the RADIUS front end's parser).
    public func addRADIUSClient(name: String, address: String, secret: Secret,
                                messageAuthenticator: RADIUSClientRecord.MessageAuthenticator) async throws(VerifierError) {
        guard (1...64).contains(name.utf8.count), name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType != nil || "-_.:@".unicodeScalars.contains($0) }) else {
            throw .invalidUser("a RADIUS client's name is 1 to 64 letters, digits and - _ . : @")
        }
        guard Self.radiusSecretBytes.contains(secret.bytes.count) else {
            throw .invalidUser("a RADIUS shared secret is \(Self.radiusSecretBytes.lowerBound) to \(Self.radiusSecretBytes.upperBound) bytes")
        }
        let sealed = try keyring.seal(secret, tokenID: RADIUSClientRecord.sealingName(name))
        try await store.addRADIUSClient(RADIUSClientRecord(name: name, address: address, sealedSecret: sealed, messageAuthenticator: messageAuthenticator),
                                  sealedUnder: keyring.current.id)
    }

    public func removeRADIUSClient(name: String) async throws(VerifierError) {
        guard try await store.removeRADIUSClient(name: name) else { throw .unknownRADIUSClient(name) }
    }

    /// A client's shared secret, opened (for the RADIUS front end only: never printed).
    public func sharedSecret(of client: RADIUSClientRecord) throws(VerifierError) -> Secret {
        try keyring.open(client.sealedSecret, tokenID: RADIUSClientRecord.sealingName(client.name))
    }
}
