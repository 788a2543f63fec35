import ArgumentParser

/// `otpkit-bench`: figures, not pass/fail, each beside an anchor measured in the same run (liboath, the disk's
/// fdatasync rate). Run bare, it runs `all` (what `make bench` runs).
@main
struct OTPKitBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "otpkit-bench",
        abstract: "otpkit's benchmarks: figures for the issue notes, each beside an anchor measured in the same run.",
        discussion: """
        Run release builds (`swift run -c release otpkit-bench ...`; `make bench`, `make bench-cluster` and \
        `make bench-radius` do, installing what they need). Without a subcommand it runs `all`. The figures are \
        printed, not judged; docs/benchmarks.md keeps the ones from named runs.
        """,
        subcommands: [AllCommand.self, HOTPCommand.self, RefusalsCommand.self, ClusterCommand.self, RADIUSCommand.self, BackupCommand.self,
                      HIDCommand.self],
        defaultSubcommand: AllCommand.self)
}
