import ArgumentParser

/// `otpkit-bench backup`: what a backup costs a serving verifier.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "`otpkit verifier backup` of a large SQLite store under verify load: its duration, and the verify rate during it.",
        discussion: """
        Fills an SQLite store with --tokens HOTP tokens, takes one backup with no load, then starts `otpkit verifier \
        serve` (the release build of otpkit) and loads it with wrk (verifies of 256 tokens, each the next valid code: a \
        committed decision), and in each round measures the verify rate over a window without a backup, then runs \
        `otpkit verifier backup` and measures its wall time and the verify rate while it ran (both rates from the \
        server's `otpkit_store_decisions_total`). Needs wrk.
        """)

    @Option(help: "HOTP tokens in the store.")
    var tokens = 100_000

    @Option(help: "Backups under load.")
    var rounds = 5

    @Option(help: "wrk's connections.")
    var connections = 16

    func validate() throws {
        guard tokens >= 256, rounds >= 1, connections >= 2 else { throw ValidationError("--tokens at least 256, --rounds at least 1, --connections at least 2") }
    }

    func run() async throws {
        try await BackupBenchmark.run(tokens: tokens, rounds: rounds, connections: connections)
    }
}
