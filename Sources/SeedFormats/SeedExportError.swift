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
        case .pskcNeedsProtection: "a PSKC export is encrypted: give it a pre-shared key or a password, or export as JSON or CSV"
        case .unfitForCSV(let ids): "Yubico CSV holds only 6-digit SHA1 HOTP; export \(ids.joined(separator: ", ")) as PSKC"
        case .format(let error): error.description
        case .unwritable(let detail): detail
        }
    }
}
