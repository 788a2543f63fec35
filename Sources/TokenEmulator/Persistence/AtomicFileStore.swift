import Foundation
import PrivateFiles

/// Stores one value as a JSON file, replaced atomically (write, fsync, rename, folder fsync: `PrivateFile`). A crash
/// leaves the old file or the new one, never a mix. The file is readable by its owner only: token state holds secrets.
public struct AtomicFileStore<Value: Codable>: Sendable {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    public enum StoreError: Error, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case unwritable(path: String, reason: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
            case .unwritable(let path, let reason): "cannot write \(path): \(reason)"
            }
        }
    }

    /// The stored value, or nil when there is no file yet.
    public func load() throws(StoreError) -> Value? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(contentsOf: url))
        } catch {
            throw .unreadable(path: url.path, reason: "\(error)")
        }
    }

    public func save(_ value: Value) throws(StoreError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(value) } catch { throw .unwritable(path: url.path, reason: "\(error)") }
        do { try PrivateFile.write(Array(data), to: url.path) } catch { throw .unwritable(path: url.path, reason: error.reason) }
    }
}
