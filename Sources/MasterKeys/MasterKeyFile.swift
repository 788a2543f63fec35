import Foundation
import OTPCore
import PrivateFiles

/// The verifier's master keys, from `OTPKIT_MASTER_KEY` (base64 of 32 bytes) or a key file that is never the
/// database. The file holds one base64 key per line, the current key first; older keys stay readable during a
/// rotation. An absent file is created with a fresh key (mode 0600) only where nothing was ever sealed; anywhere
/// else its absence is a lost key and is refused, never replaced.
public enum MasterKeyFile {
    public static let environmentVariable = "OTPKIT_MASTER_KEY"

    /// Whether an absent key file may be created.
    public enum Creation: Sendable {
        /// The store or journal is new and empty: a new key strands nothing.
        case allowed
        /// Something was sealed already: an absent file is `masterKeyMissing`.
        case refused
    }

    public struct Loaded: Sendable {
        public let keyring: MasterKeyring
        /// Set when the file was created just now (the caller tells the person where it is).
        public let createdPath: String?
    }

    public static func load(path: String, creating creation: Creation) throws(MasterKeyError) -> Loaded {
        if let text = ProcessInfo.processInfo.environment[environmentVariable], !text.isEmpty {
            return Loaded(keyring: try parse(text, source: environmentVariable), createdPath: nil)
        }
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .badMasterKey("cannot read the key file \(path)")
            }
            return Loaded(keyring: try parse(text, source: path), createdPath: nil)
        }
        guard creation == .allowed else { throw .masterKeyMissing(path: path) }
        let key = MasterKey.generate()
        try write([key], to: path)
        return Loaded(keyring: MasterKeyring(current: key), createdPath: path)
    }

    /// Writes keys atomically and durably (`PrivateFile`), readable by the owner only.
    public static func write(_ keys: [MasterKey], to path: String) throws(MasterKeyError) {
        let text = keys.map { Data($0.bytes).base64EncodedString() }.joined(separator: "\n") + "\n"
        do { try PrivateFile.write(Array(text.utf8), to: path) } catch { throw .badMasterKey(error.description) }
    }

    static func parse(_ text: String, source: String) throws(MasterKeyError) -> MasterKeyring {
        var keys: [MasterKey] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            guard let data = Data(base64Encoded: trimmed) else { throw .badMasterKey("\(source) holds a line that is not base64") }
            keys.append(try MasterKey(bytes: Array(data)))
        }
        guard let current = keys.first else { throw .badMasterKey("\(source) holds no key") }
        return MasterKeyring(current: current, older: Array(keys.dropFirst()))
    }
}
