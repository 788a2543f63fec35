import Foundation
import Testing
import TestSupport

/// Options in seconds take a finite number from 0 to a year: `inf`, `nan` or more than a year is refused
/// by the parser (exit 64) instead of trapping when it becomes a `Duration`.
@Suite struct SecondsOptionTests {
    static let commands: [[String]] = [
        ["provision", "--usbip", "127.0.0.1:1", "--journal", "/nonexistent/j", "--wait"],
        ["emulate", "--touch-delay"],
        ["emulate", "--arrive-every"],
        ["devices", "--watch", "--duration"],
        ["verifier", "serve", "--db", "/nonexistent/v.sqlite", "--lockout-seconds"],
        ["verifier", "migrate", "--db", "/nonexistent/v.sqlite", "--db-timeout"],
    ]

    @Test(arguments: commands)
    func aNumberOfSecondsThatIsNotFiniteOrInRangeIsRefused(_ command: [String]) throws {
        for value in ["inf", "nan", "1e30", "40000000"] {
            let result = try otpkit(command + [value])
            #expect(result.status == 64, "\(command) \(value): \(result.stderr)")
            #expect(result.stderr.contains("'\(value)' is invalid for '\(command.last!) <seconds>'"), "\(result.stderr)")
        }
    }
}
