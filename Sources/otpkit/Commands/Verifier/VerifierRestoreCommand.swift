import ArgumentParser
import Foundation
import VerifierStorage

/// `otpkit verifier restore`: a backup put back as the SQLite database, its HOTP tokens to be resynchronised.
struct VerifierRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore an SQLite database from a backup; its HOTP tokens then need a resync.",
        discussion: """
        Refused while a server or another otpkit command has the database open (stop it first), and for a backup \
        whose checksum does not match (cut short, altered): then nothing is written. The restored database replaces \
        the one at --db in one transaction (created when missing) and is brought to this otpkit's schema. An older \
        copy would accept again every code used since it was taken, so each HOTP token is marked "resync required": \
        it accepts no code on its own until two consecutive codes resynchronise it (a login's code starts the \
        resync and the next code completes it, over HTTP, RADIUS's challenge or `otpkit verifier verify`; or \
        `otpkit verifier resync`, POST /v1/resync). --accept-replay-risk restores the counters as they were. TOTP \
        tokens are restored as they were: a code is valid only within its time window, gone by now. For \
        PostgreSQL, use pg_restore and then `otpkit verifier require-resync --all`.

        Example:
          otpkit verifier restore --from /backup/verifier-2025-01-31.otpkit-backup --db /var/lib/otpkit/verifier.sqlite
        """)

    @OptionGroup var verifier: VerifierOptions

    @Option(name: .long, help: ArgumentHelp("The backup file (written by `otpkit verifier backup`).", valueName: "path"))
    var from: String

    @Flag(name: .long, help: "Restore the counters as they were: codes used since the backup are accepted again. Only when you know none were.")
    var acceptReplayRisk = false

    func run() async throws {
        try await reportingFailures {
            signal(SIGXFSZ, SIG_IGN)  // a file size limit is a failed write (EFBIG), reported as a full disk is, not death
            let database = try verifier.sqliteOnlyPath(postgresInstead: "a PostgreSQL database is restored with pg_restore; then run "
                + "`otpkit verifier require-resync --all` on it (docs/verifier.md); nothing was restored")
            let report: SQLiteRestoreReport
            do throws(BackupError) {
                report = try await SQLiteRestore.restore(from: from, into: database, keepingCounters: acceptReplayRisk)
            } catch {
                throw CLIFailure(error)
            }
            let taken = ISO8601DateFormatter().string(from: report.taken)
            print("Restored \(counted(report.tokens, "token")) from \(from) (taken \(taken)) into \(database)"
                  + (report.migration.from == report.migration.to ? "." : "; \(report.migration)."))
            if acceptReplayRisk {
                print("Counters are as they were at the backup (--accept-replay-risk): codes used since then are accepted again.")
            } else {
                print("Marked \(counted(report.markedForResync, "HOTP token")) \"resync required\": each accepts no code on its own until two "
                      + "consecutive codes resynchronise it (a code, then the next one; or `otpkit verifier resync`).")
            }
            if report.totpTokens > 0 { print("\(counted(report.totpTokens, "TOTP token")) restored as they were: their used codes have expired.") }
            if let id = report.masterKeyID {
                print("The seeds are sealed under master key \(id): serve this database with the key that holds it (\(verifier.masterKeyLocation)).")
                if verifier.masterKeysHold(id) != true {
                    writeError("otpkit: warning: \(verifier.masterKeyLocation) is missing or does not hold master key \(id); put the key that "
                               + "belongs to this backup there before serving\n")
                }
            }
        }
    }
}
