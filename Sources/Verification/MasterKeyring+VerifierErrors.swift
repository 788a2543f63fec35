import MasterKeys
import OTPCore

extension MasterKeyring {
    /// `seal`, failing as the verifier reports it.
    public func sealed(_ secret: Secret, tokenID: String) throws(VerifierError) -> SealedSecret {
        do { return try seal(secret, tokenID: tokenID) } catch { throw VerifierError(error) }
    }

    /// `open`, failing as the verifier reports it.
    public func opened(_ sealed: SealedSecret, tokenID: String) throws(VerifierError) -> Secret {
        do { return try open(sealed, tokenID: tokenID) } catch { throw VerifierError(error) }
    }
}
