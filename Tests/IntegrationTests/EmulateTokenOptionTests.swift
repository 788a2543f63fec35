import Foundation
import Testing
import TestSupport

/// `emulate --token` is a typed option: a typo is refused by the parser (exit 64) before anything starts, `--help`
/// names the families, and a family's name is taken in any case.
@Suite struct EmulateTokenOptionTests {
    @Test func aFamilyThatIsNoneOfTheValuesIsRefusedAndHelpListsThem() throws {
        let refused = try otpkit(["emulate", "--token", "yubikye", "--", "/bin/true"])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("yubikye") && refused.stderr.contains("nitrokey-storage"), "\(refused.stderr)")
        let help = try otpkit(["emulate", "--help"])
        let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("(values: openhotp, yubikey, nitrokey-pro, nitrokey-storage)"), "\(help.stdout)")
        let mixedCase = try otpkit(["emulate", "--token", "YubiKey", "--", "/bin/true"])
        #expect(mixedCase.status == 0, "\(mixedCase.stderr)")
    }
}
