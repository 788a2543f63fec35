import ArgumentParser

struct VerifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifier",
        abstract: "Run and administer the HOTP/TOTP verification server.",
        discussion: """
        Tokens live in a SQLite file (--db, default OTPKIT_VERIFIER_DB or ./otpkit-verifier.sqlite), or in a PostgreSQL \
        database that several verifier nodes share (--db postgres://USER@HOST:PORT/DB), with their secrets \
        sealed by AES-256-GCM under a master key that is never in the database: OTPKIT_MASTER_KEY (base64 of 32 \
        bytes), or the key file (--key-file, default DB.key), created with a fresh key for a new database only: a \
        missing or wrong key file is refused (exit 5), never replaced. Back the key file up apart from the database: \
        without it the seeds cannot be opened. A database is created by `init`, or by a first `import` or `serve` \
        where neither it nor its key file exists; never beside a key file whose database is gone (exit 2).

        Every verifier command takes --config FILE: a YAML file (/etc/otpkit/verifier.yaml) holding the database, \
        key file and server settings, below the OTPKIT_* environment and the flags given. `config check FILE` checks it.

        Examples:
          otpkit verifier init
          otpkit verifier import seeds.pskc --password-file pw.txt
          otpkit verifier verify --token 10000001-0 755224
          otpkit verifier assign --token 10000001-0 --user alice
          otpkit verifier set-pin --user alice
          echo 1234755224 | otpkit verifier verify --user alice -
          otpkit verifier radius-clients add --name vpn --address 192.0.2.10 --secret-file s
          otpkit verifier resync --token 10000001-0 287082 359152
          otpkit verifier set-counter --token 10000001-0 42
          otpkit verifier copy --from sqlite:otpkit-verifier.sqlite --to postgres://otpkit@db:5432/otpkit
          otpkit verifier serve --db postgres://otpkit@db:5432/otpkit --key-file otpkit-verifier.sqlite.key
        """,
        subcommands: [
            VerifierInitCommand.self, VerifierServeCommand.self, VerifierKeysCommand.self, VerifierRADIUSClientsCommand.self, VerifierImportCommand.self, VerifierExportCommand.self,
            VerifierVerifyCommand.self, VerifierResyncCommand.self, VerifierSetCounterCommand.self, VerifierUnlockCommand.self, VerifierListCommand.self,
            VerifierAssignCommand.self, VerifierUnassignCommand.self, VerifierSetPINCommand.self,
            VerifierDeleteCommand.self, VerifierRotateKeyCommand.self, VerifierMigrateCommand.self, VerifierCopyCommand.self,
            VerifierPruneEventsCommand.self, VerifierBackupCommand.self, VerifierRestoreCommand.self, VerifierRequireResyncCommand.self,
            VerifierConfigCommand.self,
        ])
}
