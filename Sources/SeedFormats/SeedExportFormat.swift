/// The file formats seeds are exported in for a verification server.
public enum SeedExportFormat: String, Sendable, CaseIterable {
    /// RFC 6030 PSKC, encrypted (a pre-shared key or a password is required).
    case pskc
    /// Yubico's CSV: only 6-digit SHA1 HOTP fits.
    case csv
    /// otpkit's seed JSON (plain: the file is the only protection).
    case json
}
