import Foundation

/// Stores one value as a JSON file, replaced atomically: the new content is written to a temporary file in the
/// same folder, synced, renamed over the old file, and the folder is synced. A crash leaves the old file or the
/// new one, never a mix. The file is readable by its owner only, since token state holds secrets.
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

        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .unwritable(path: temporary, reason: String(cString: strerror(errno))) }
        let written = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 { if errno == EINTR { continue }; return false }
                offset += count
            }
            return true
        }
        let synced = written && fsync(fd) == 0
        let reason = String(cString: strerror(errno))
        close(fd)
        guard synced else {
            unlink(temporary)
            throw .unwritable(path: temporary, reason: reason)
        }
        guard rename(temporary, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .unwritable(path: url.path, reason: reason)
        }
        let folderFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderFD >= 0 {
            fsync(folderFD)
            close(folderFD)
        }
    }
}
