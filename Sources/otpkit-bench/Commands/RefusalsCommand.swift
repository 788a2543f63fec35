import ArgumentParser

/// `otpkit-bench refusals`: whether timing tells refusals apart.
struct RefusalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refusals",
        abstract: "The median time of each kind of refusal, which must lie within 10% of each other.",
        discussion: """
        In process on SQLite (each refusal a committed decision), in interleaved rounds: verify (unknown token, \
        locked token with the right code, wrong code, wrong length, replay), resync (unknown token, locked, codes \
        not found, wrong length), then logins by user name as RADIUS makes them (unknown user, a user with no token, \
        wrong codes against one to the most tokens, mixed code lengths, PINs). The anchor is the fastest median of \
        each group: the spread to the slowest must stay within 10%, or a client could time an unknown token apart \
        from a known one.
        """)

    @Option(help: "Interleaved rounds of verify and resync refusals (logins get a quarter as many, at least 20).")
    var rounds = 400

    func validate() throws {
        guard rounds > 0 else { throw ValidationError("--rounds must be at least 1") }
    }

    func run() async throws {
        try await RefusalBenchmark.run(rounds: rounds)
    }
}
