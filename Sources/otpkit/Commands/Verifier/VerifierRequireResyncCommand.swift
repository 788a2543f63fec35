import ArgumentParser
import Foundation
import Verification

/// `otpkit verifier require-resync`: the restore's counter rule on demand, after a pg_restore or for one token.
struct VerifierRequireResyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "require-resync",
        abstract: "Make HOTP tokens accept no code on their own until two consecutive codes resynchronise them.",
        discussion: """
        Run it with --all after restoring an older copy of a database by other means than `otpkit verifier \
        restore` (pg_restore of a PostgreSQL dump, a file copied back): the copy would otherwise accept again every \
        code used since it was taken. A marked token turns its next code into the start of a resync, which the \
        code after it completes (HTTP, RADIUS's challenge, `verify`), or `otpkit verifier resync` with two codes; \
        `set-counter` with the counter read off the token clears it too. TOTP tokens are left alone: their codes \
        expire with their time step.
        """)

    @OptionGroup var verifier: VerifierOptions

    @Option(name: .long, help: "The token's id.")
    var token: String?

    @Flag(name: .long, help: "Every HOTP token, in one transaction.")
    var all = false

    func validate() throws {
        guard (token == nil) == all else { throw ValidationError("give --token ID or --all") }
    }

    func run() async throws {
        try await reportingFailures {
            let administration = try await verifier.open().administration
            if let token {
                try await administration.requireResync(tokenID: token)
                print("Marked token \(token) \"resync required\": it accepts no code on its own until two consecutive codes resynchronise it.")
            } else {
                let marked = try await administration.requireResyncOfAllHOTPTokens()
                print("Marked \(counted(marked, "HOTP token")) \"resync required\": each accepts no code on its own until two consecutive codes resynchronise it.")
            }
        }
    }
}
