import ArgumentParser
import Foundation
import OTPCore
import VerifierStorage

/// `otpkit verifier backup`: a consistent, checksummed copy of the SQLite database, taken while servers run.
struct VerifierBackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite database, while servers run, to a checksummed backup file (mode 0600).",
        discussion: """
        SQLite's online backup API copies the database from one read snapshot, so servers keep deciding meanwhile. \
        The copy is checked, gets a trailer with its length and SHA-256 (checked by `restore`), and appears at --out \
        only once it is whole and synced: a file there is replaced, never left half written. The master key is not \
        in the database, so it is not in the backup: keep the key file apart from it, and back it up too. A \
        PostgreSQL database is backed up with pg_dump (docs/verifier.md, "Backup, restore and upgrade").

        Example:
          otpkit verifier backup --db /var/lib/otpkit/verifier.sqlite --out /backup/verifier-$(date +%F).otpkit-backup
        """)

    @OptionGroup var verifier: VerifierOptions

    @Option(name: .long, help: ArgumentHelp("The backup file to write.", valueName: "path"))
    var out: String

    func run() async throws {
        try await reportingFailures {
            signal(SIGXFSZ, SIG_IGN)  // a file size limit is a failed write (EFBIG), reported as a full disk is, not death
            let database = try verifier.sqliteOnlyPath(postgresInstead: "a PostgreSQL database is backed up with PostgreSQL's tools: "
                + "`pg_dump --format=custom --file=FILE DB`, restored with pg_restore and then `otpkit verifier require-resync --all` "
                + "(docs/verifier.md); nothing was written")
            try DatabaseCreation.never.check(database: database, keyFile: try? verifier.keyFilePath)
            let report: SQLiteBackupReport
            do throws(BackupError) { report = try await SQLiteBackup.write(database: database, to: out) } catch { throw CLIFailure(error) }
            let trailer = report.trailer
            print("Backed up \(counted(trailer.tokens, "token")) from \(database) to \(out) in \(String(format: "%.2f", report.duration.seconds)) s: "
                  + "\(trailer.bytes) bytes, SHA-256 \(trailer.sha256), schema version \(trailer.schemaVersion).")
            print("The master key is not in the backup: keep \(verifier.masterKeyLocation) apart from it, and back it up too; "
                  + "without it the seeds in the backup cannot be opened.")
        }
    }
}
