/// One thing wrong with the verifier's configuration: where (a file and its line, an environment variable, a flag),
/// which key, and what. Never the value: a secret written where it does not belong stays out of messages and logs.
public struct ConfigurationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of mistake it is.
    public enum Kind: Sendable, Equatable {
        /// The file cannot be read (missing, a folder, no permission).
        case unreadable
        /// The file is over `ConfigurationFile.maximumSize`.
        case tooLarge
        /// The file is not YAML (or not UTF-8), or uses YAML otpkit does not read (anchors, aliases, block scalars).
        case notYAML
        /// A key that is no setting.
        case unknownKey
        /// A key written twice in one mapping.
        case duplicateKey
        /// A section where a value belongs, a value where a section belongs, or a value of the wrong YAML type.
        case wrongType
        /// A value of the right type that is not allowed (out of range, not HOST:PORT, ...).
        case badValue
        /// A secret written inline (a password, a key) where only its file's path may be.
        case inlineSecret
        /// Settings that do not go together.
        case conflict
    }

    /// Where the mistake was written.
    public enum Source: Sendable, Equatable {
        case file(String, line: Int?)
        case environment(String)
        case commandLine(String)
    }

    public let kind: Kind
    public let source: Source?
    /// The setting's key (`http.listen`) or the unknown key as written, when the problem has one.
    public let key: String?
    public let message: String

    public init(_ kind: Kind, source: Source?, key: String?, message: String) {
        self.kind = kind
        self.source = source
        self.key = key
        self.message = message
    }

    /// The file line it is on, when the reader knows it.
    public var line: Int? { if case .file(_, let line) = source { line } else { nil } }

    /// `FILE:LINE: KEY: message`, `OTPKIT_NAME (KEY): message` or `--flag: message`.
    public var description: String {
        let keyPart = key.map { "\($0): " } ?? ""
        switch source {
        case .file(let path, let line?): return "\(path):\(line): \(keyPart)\(message)"
        case .file(let path, nil): return "\(path): \(keyPart)\(message)"
        case .environment(let name): return "\(name)\(key.map { " (\($0))" } ?? ""): \(message)"
        case .commandLine(let flag): return "\(flag): \(message)"
        case nil: return "\(keyPart)\(message)"
        }
    }
}
