import Crypto

/// The obfuscation of User-Password (RFC 2865 section 5.2): the password, padded with zeros to a multiple of 16,
/// XORed block by block with b1 = MD5(secret + Request Authenticator), bi = MD5(secret + c(i-1)).
public enum RADIUSUserPassword {
    /// The attribute value a client sends for `password`.
    public static func hide(_ password: RADIUSPassword, secret: RADIUSSharedSecret, requestAuthenticator: [UInt8]) -> [UInt8] {
        let blocks = max(1, (password.bytes.count + 15) / 16)
        let padded = password.bytes + [UInt8](repeating: 0, count: blocks * 16 - password.bytes.count)
        var hidden: [UInt8] = []
        hidden.reserveCapacity(padded.count)
        var previous = requestAuthenticator
        for block in 0..<blocks {
            let pad = Array(Insecure.MD5.hash(data: secret.bytes + previous))
            let cipher = (0..<16).map { padded[block * 16 + $0] ^ pad[$0] }
            hidden += cipher
            previous = cipher
        }
        return hidden
    }

    /// The password inside a User-Password value, trailing zero bytes removed.
    public static func reveal(_ hidden: [UInt8], secret: RADIUSSharedSecret, requestAuthenticator: [UInt8])
        throws(RADIUSPasswordError) -> RADIUSPassword {
        guard !hidden.isEmpty, hidden.count % 16 == 0, hidden.count <= RADIUSPassword.maximumLength else {
            throw .badHiddenLength(hidden.count)
        }
        var plain: [UInt8] = []
        plain.reserveCapacity(hidden.count)
        var previous = requestAuthenticator
        for block in 0..<(hidden.count / 16) {
            let cipher = Array(hidden[(block * 16)..<(block * 16 + 16)])
            let pad = Array(Insecure.MD5.hash(data: secret.bytes + previous))
            plain += (0..<16).map { cipher[$0] ^ pad[$0] }
            previous = cipher
        }
        while plain.last == 0 { plain.removeLast() }
        return try RADIUSPassword(bytes: plain)
    }
}
