import ArgumentParser
import EmulatedTokens
import OTPCore
import SeedFormats
import TokenDrivers
import Verification

// Options whose values are a library's enum: the parser refuses a typo (exit 64) and `--help` lists the values.

/// `--format pskc|csv|json` (provision, verifier export).
extension SeedExportFormat: ExpressibleByArgument {}

/// `--family openhotp|yubikey|nitrokey`, in any case.
extension TokenFamily: ExpressibleByArgument {
    public init?(argument: String) {
        guard let family = Self.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = family
    }

    public static var allValueStrings: [String] { allCases.map { $0.rawValue.lowercased() } }
    /// No per-value descriptions: `--help` lists the values on one line, like the other enums.
    public static var allValueDescriptions: [String: String] { [:] }
}

/// `--algorithm SHA1|SHA256|SHA512`, in any case (sha256 too).
extension OTPAlgorithm: ExpressibleByArgument {
    public init?(argument: String) {
        guard let algorithm = OTPAlgorithm(name: argument) else { return nil }
        self = algorithm
    }
}

/// `verifier keys create --role verify|admin`.
extension APIKeyRole: ExpressibleByArgument {}

/// `emulate --token openhotp|yubikey|nitrokey-pro|nitrokey-storage`, in any case.
extension EmulatedTokenFamily: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}
