import ArgumentParser
import Foundation
import VerifierConfiguration

/// Reads the verifier's settings from `--config FILE`, the `OTPKIT_*` environment and the flags given; a problem
/// ends the command before it does anything, one `otpkit: error:` line each (key and line named), exit 64.
enum VerifierConfigurationLoading {
    /// The sources, the file read and checked whole when there is one.
    static func sources(config: String?, commandLine: [VerifierSetting: String]) throws(VerifierConfigurationError) -> VerifierConfigurationSources {
        VerifierConfigurationSources(file: try config.map { path throws(VerifierConfigurationError) in try ConfigurationFile.load(path: path) },
                                     environment: ProcessInfo.processInfo.environment, commandLine: commandLine)
    }

    /// `body`'s result, or its problems printed and exit 64.
    static func settle<Value>(_ body: () throws(VerifierConfigurationError) -> Value) throws -> Value {
        do {
            return try body()
        } catch {
            for problem in error.problems { writeError("otpkit: error: \(problem)\n") }
            throw ExitCode(CLIFailure.Code.usage.rawValue)
        }
    }
}
