import Configuration
import Foundation

/// The verifier's YAML configuration file (`otpkit verifier serve --config /etc/otpkit/verifier.yaml`), read and
/// checked whole before anything starts: every key a setting, every value of its setting's type and allowed, no
/// secret written inline. Problems name the key and its line. Its values are the lowest layer of
/// `VerifierConfigurationSources`, read there through swift-configuration's `YAMLSnapshot` of the same bytes.
public struct ConfigurationFile: Sendable {
    /// A larger file is refused unread.
    public static let maximumSize = 1 << 20

    /// A setting's value as the file writes it, and its line.
    public struct Entry: Sendable, Equatable {
        public let text: String
        public let line: Int?

        public init(text: String, line: Int?) {
            self.text = text
            self.line = line
        }
    }

    /// The path the file was read from, as given (messages name it).
    public let path: String
    /// The settings the file sets.
    public let entries: [VerifierSetting: Entry]
    /// swift-configuration's reading of the same bytes (nil for a file that sets nothing).
    let snapshot: YAMLSnapshot?

    /// Reads the file at `path` (at most `maximumSize` bytes) and checks it.
    public static func load(path: String) throws(VerifierConfigurationError) -> ConfigurationFile {
        let bytes: [UInt8]
        do {
            bytes = try readBounded(path)
        } catch let problem {
            throw VerifierConfigurationError(problem)
        }
        return try ConfigurationFile(parsing: bytes, path: path)
    }

    /// Checks `bytes` as the file at `path` would be checked.
    public init(parsing bytes: [UInt8], path: String) throws(VerifierConfigurationError) {
        self.path = path
        let source = { (line: Int?) in ConfigurationProblem.Source.file(path, line: line) }
        guard bytes.count <= Self.maximumSize else {
            throw VerifierConfigurationError(ConfigurationProblem(.tooLarge, source: source(nil), key: nil,
                                                                  message: "is larger than \(Self.maximumSize) bytes; a configuration file is a few kilobytes"))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw VerifierConfigurationError(ConfigurationProblem(.notYAML, source: source(nil), key: nil, message: "is not UTF-8 text"))
        }
        if let (line, message) = YAMLTextGuard.refusal(of: bytes) {
            throw VerifierConfigurationError(ConfigurationProblem(.notYAML, source: source(line), key: nil, message: message))
        }
        entries = try YAMLDocumentChecker.entries(of: text, path: path)
        guard !entries.isEmpty else {
            snapshot = nil
            return
        }
        do {
            snapshot = try YAMLSnapshot(data: bytes.span.bytes, providerName: "configuration file", parsingOptions: .default)
        } catch {
            // The checker read the same bytes with the same parser: this would be a disagreement between the two.
            throw VerifierConfigurationError(ConfigurationProblem(.notYAML, source: source(nil), key: nil, message: "is not a YAML mapping of settings"))
        }
    }

    /// The value the file gives `setting` (checked when the file was read).
    public func value(_ setting: VerifierSetting) -> SettingValue? {
        entries[setting].flatMap { setting.kind.parse($0.text) }
    }

    private static func readBounded(_ path: String) throws(ConfigurationProblem) -> [UInt8] {
        let refusal = { (reason: String) in
            ConfigurationProblem(.unreadable, source: .file(path, line: nil), key: nil, message: "cannot be read: \(reason)")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw refusal(String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { throw refusal("it is a folder, not a file") }
        do {
            return Array(try handle.read(upToCount: maximumSize + 1) ?? Data())
        } catch {
            throw refusal((error as NSError).localizedDescription)
        }
    }
}
