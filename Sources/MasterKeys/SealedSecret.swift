/// A secret encrypted at rest: AES-256-GCM under a master key, bound to its token's id (the AAD), so a sealed
/// secret copied to another token does not open.
public struct SealedSecret: Sendable, Equatable {
    /// Which master key sealed it (see `MasterKey.id`).
    public var keyID: String
    /// nonce || ciphertext || tag.
    public var box: [UInt8]

    public init(keyID: String, box: [UInt8]) {
        self.keyID = keyID
        self.box = box
    }
}
