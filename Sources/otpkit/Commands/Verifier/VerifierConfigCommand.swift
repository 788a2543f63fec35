import ArgumentParser
import VerifierConfiguration

/// `otpkit verifier config check FILE`: the configuration file's checks alone.
struct VerifierConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the verifier's configuration file.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check a configuration file as `--config` reads it, and start nothing.",
            discussion: """
            Every key must be a setting, every value of its setting's type and allowed, no secret written inline \
            (a password, a key: name its file with the *_file setting), and settings that go together together. \
            Prints `FILE: ok` (exit 0), or each problem with its key and line (exit 64). The environment and the \
            command line are not consulted: this is the file as a server started with only `--config FILE` reads it.
            """)

        @Argument(help: ArgumentHelp("The YAML file, such as /etc/otpkit/verifier.yaml.", valueName: "file"))
        var file: String

        func run() throws {
            try VerifierConfigurationLoading.settle { () throws(VerifierConfigurationError) in
                let sources = VerifierConfigurationSources(file: try ConfigurationFile.load(path: file), environment: [:])
                _ = try sources.database()
                _ = try sources.serve()
            }
            writeOut("\(file): ok\n")
        }
    }
}
