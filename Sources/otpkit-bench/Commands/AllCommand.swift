import ArgumentParser

/// `otpkit-bench all`, the default: what `make bench` prints.
struct AllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "HOTP beside liboath, programming over USB/IP, the verifier in process and over HTTP (the default).",
        discussion: """
        HOTP: codes per CPU-second for each hash function and the 1,000-code look-ahead search, beside liboath's \
        oath_hotp_generate and oath_hotp_validate measured in the same run through a small C program (the anchor; \
        skipped when liboath's headers or gcc are missing), with the ratios. Programming: program and read back one \
        slot of an emulated OpenHOTP token over USB/IP on loopback, its state in memory and persisted, cycles per \
        second and feature-report transfers per cycle. Verifier on SQLite (every decision committed before it is \
        answered): verifications per second in process, a resync at the end of its window, what each kind of \
        refusal costs, then HTTP verify requests per second and p50/p99 from 16 keep-alive clients on loopback \
        against a server in this process.
        """)

    func run() async throws {
        try await DefaultBenchmark.run()
    }
}
