/// Whether a peer must send Message-Authenticator. `.required` is the safe setting (FreeRADIUS 3.2.5+ defaults to it
/// after BlastRADIUS, CVE-2024-3596); `.notRequired` is for old peers that never send one, such as Debian 12's
/// pam_radius_auth 2.0 and radtest, and leaves their PAP requests exposed to forged replies.
public enum RADIUSMessageAuthenticatorRequirement: Sendable, Equatable {
    case required
    case notRequired
}
