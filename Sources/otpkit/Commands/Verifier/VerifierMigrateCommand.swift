import ArgumentParser
import Foundation
import Verification

struct VerifierMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the database's schema up to this otpkit's version.",
        discussion: """
        Applies the schema versions the database has not reached, in order, in one transaction. Safe to run from \
        several nodes at once (PostgreSQL: an advisory lock lets one apply them; the others find them applied). A \
        database written by a newer otpkit is refused, unchanged. `serve` runs this on start as well.
        """)

    @OptionGroup var verifier: VerifierOptions

    func run() async throws {
        try await reportingFailures {
            let database = try verifier.openDatabaseUnmigrated(creating: .never, poolSize: 1)
            print("\(database.description): \(try await database.migrate())")
        }
    }
}
