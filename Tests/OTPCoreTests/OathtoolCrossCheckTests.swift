import Foundation
import OTPCore
import TestSupport
import Testing

/// 1,000 random (key, counter, digits, algorithm) cases against the real oathtool binary (Debian's oathtool package).
/// oathtool's HOTP mode is SHA-1 only; SHA-256/512 are checked through its TOTP mode at time counter x 30, which is
/// HOTP at that counter.
@Suite struct OathtoolCrossCheckTests {
    @Test func thousandRandomCasesAgreeWithOathtool() throws {
        let oathtool = try #require(Subprocess.which("oathtool"), "oathtool is missing: `make test` installs it (apt-get install oathtool)")
        var generator = SystemRandomNumberGenerator()
        var mismatches: [String] = []
        for index in 0..<1000 {
            let algorithm = OTPAlgorithm.allCases[index % 3]
            let digits = Int.random(in: 6...8, using: &generator)  // liboath generates 6, 7 or 8 digits
            let secret = Secret.random(byteCount: Int.random(in: 1...64, using: &generator))
            let counter = algorithm == .sha1 ? UInt64.random(in: 0...UInt64(Int64.max), using: &generator)
                                             : UInt64.random(in: 0...UInt64(UInt32.max), using: &generator)
            let arguments = algorithm == .sha1
                ? ["--hotp", "--counter=\(counter)", "--digits=\(digits)", secret.hex]
                : ["--totp=\(algorithm.rawValue.lowercased())", "--time-step-size=30", "--now=@\(counter * 30)",
                   "--digits=\(digits)", secret.hex]
            let result = try Subprocess.run(oathtool, arguments)
            let ours = try HOTP(secret: secret, algorithm: algorithm, digits: digits).code(counter: counter)
            let theirs = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if result.status != 0 || ours != theirs {
                mismatches.append("\(algorithm) digits \(digits) counter \(counter) key \(secret.count) bytes: ours \(ours), oathtool \(theirs) \(result.stderr)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }
}
