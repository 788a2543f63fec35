/// The verifier's configuration cannot be used: every problem found, each on its own line. Nothing may start.
public struct VerifierConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let problems: [ConfigurationProblem]

    public init(_ problems: [ConfigurationProblem]) {
        precondition(!problems.isEmpty, "an error has at least one problem")
        self.problems = problems
    }

    init(_ problem: ConfigurationProblem) { self.init([problem]) }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
