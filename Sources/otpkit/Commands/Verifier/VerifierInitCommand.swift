import ArgumentParser
import Foundation

/// Creates a database on purpose: the one way to start an empty SQLite file beside a key file whose database is
/// gone, and a way to create one before anything is imported.
struct VerifierInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an empty verifier database (and its master key file when there is none).",
        discussion: """
        Other commands never create an SQLite database beside an existing master key file: a key without its \
        database belongs to a store that was moved or deleted, so they refuse (exit 2) and name both files. A first \
        `import` or `serve` where neither exists creates both. `init` creates the database even beside a key file, \
        and then keeps using that key. An existing database is left alone (exit 1). With PostgreSQL, `init` brings \
        the schema up to date and checks the master key, as `migrate` and the first `serve` do.
        """)

    @OptionGroup var verifier: VerifierOptions

    func run() async throws {
        try await reportingFailures {
            if !verifier.isPostgres, FileManager.default.fileExists(atPath: verifier.databasePath) {
                throw CLIFailure("the database \(verifier.databasePath) exists already; nothing was changed", code: .refused)
            }
            let database = try await verifier.openDatabase(creating: .asked)
            _ = try await verifier.open(database)
            print("\(database.description): ready (schema version \(try await database.migrate().to))")
        }
    }
}
