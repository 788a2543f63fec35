/// Why seeds were not exported. Each case says what to change.
public enum SeedExportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// PSKC exports are encrypted: a pre-shared key or a password is needed.
    case pskcNeedsProtection
    /// These tokens (ids) are not 6-digit SHA1 HOTP, which is all Yubico CSV holds.
    case unfitForCSV([String])
    /// The PSKC writer refused (a record it cannot express).
    case format(SeedFormatError)
    /// The file could not be written (full disk, a folder that takes no file...); nothing was replaced.
    case unwritable(String)

    public var description: String {
        switch self {
        case .pskcNeedsProtection: "an unencrypted PSKC export needs --format json or csv; give --psk or --password-file"
        case .unfitForCSV(let ids): "Yubico CSV holds only 6-digit SHA1 HOTP; use --format pskc for \(ids.joined(separator: ", "))"
        case .format(let error): error.description
        case .unwritable(let detail): detail
        }
    }
}
