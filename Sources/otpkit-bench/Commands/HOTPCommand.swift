import ArgumentParser

/// `otpkit-bench hotp`: the HOTP part of `all` alone.
struct HOTPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotp",
        abstract: "OTPCore's HOTP beside liboath's, measured in the same run.",
        discussion: """
        Codes per CPU-second of the measuring thread for SHA1, SHA256 and SHA512 (6 digits), in batches and as \
        strings, and the 1,000-code search a verifier's look-ahead window makes. The anchor is liboath's \
        oath_hotp_generate and oath_hotp_validate, per CPU-second of a small C program built with gcc against \
        liboath-dev (left out when either is missing); the ratios to it are printed last.
        """)

    func run() throws {
        try HOTPBenchmark.run()
    }
}
