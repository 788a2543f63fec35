import ArgumentParser
import Foundation
import Verification

struct VerifierCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy every token and API key from one verifier database to another (SQLite to PostgreSQL, say).",
        discussion: """
        Tokens are copied as they are: sealed seeds stay sealed (serve the target with the same master key), and \
        counters, failure counts, lockouts, pending resyncs and TOTP steps are kept. All tokens go in one \
        transaction, so the target has all of them or none. A target that holds tokens already is refused unless \
        --replace, which swaps its tokens for the source's in the same transaction. API keys missing from the \
        target are added (stored hashed, as in the source); the event rows stay behind. Stop the servers that use the source first, so no \
        code is accepted there after its counter was copied.

        Example:
          otpkit verifier copy --from sqlite:otpkit-verifier.sqlite --to postgres://otpkit@db.example:5432/otpkit
        """)

    @Option(name: .long, help: ArgumentHelp("The database to read: sqlite:PATH, a path, or postgres://...", valueName: "location"))
    var from: String

    @Option(name: .long, help: ArgumentHelp("The database to write (its schema is brought up to date first).", valueName: "location"))
    var to: String

    @Option(name: .long, help: ArgumentHelp("PostgreSQL: a file holding the password (for a postgres:// side without one).", valueName: "path"))
    var dbPasswordFile: String?

    @Flag(name: .long, help: "Replace the tokens the target holds already.")
    var replace = false

    func run() async throws {
        try await reportingFailures {
            let source = try VerifierDatabase.open(from, passwordFile: dbPasswordFile, poolSize: 1, creating: .never)
            try await source.migrateAnnouncing()
            let target = try VerifierDatabase.open(to, passwordFile: dbPasswordFile, poolSize: 1, creating: .asked)
            try await target.migrateAnnouncing()
            let tokens = try await source.tokens.allTokens()
            let existing = try await target.tokens.allTokens().count
            if existing > 0 && !replace {
                throw CLIFailure("\(target.description) holds \(counted(existing, "token")) already; nothing copied (--replace swaps them for the source's)", code: .refused)
            }
            // The source's current master key becomes the target's: the copied secrets are sealed under it.
            let keyID = try await source.tokens.masterKeyID()
            if replace {
                try await target.tokens.replaceAll(with: tokens, sealedUnder: keyID)
            } else if let keyID, !tokens.isEmpty {
                try await target.tokens.insert(tokens, sealedUnder: keyID)
            }
            let present = Set(try await target.apiKeys.list().map(\.id))
            let keys = try await source.apiKeys.storedKeys().filter { !present.contains($0.key.id) }
            try await target.apiKeys.insert(keys)
            let locked = tokens.filter { $0.lockedAt != nil }.count
            let totp = tokens.filter { $0.kind != .hotp }.count
            let resyncing = tokens.filter { $0.pendingResync != nil }.count
            print("Copied \(counted(tokens.count, "token")) (\(locked) locked, \(totp) TOTP, \(resyncing) in the middle of a resync) and "
                  + "\(counted(keys.count, "API key")) from \(source.description) to \(target.description)"
                  + (replace && existing > 0 ? ", replacing \(counted(existing, "token")) there" : "") + ".")
            print("Sealed seeds were copied sealed: serve \(target.description) with the master key of the source.")
        }
    }
}
