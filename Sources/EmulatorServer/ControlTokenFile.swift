import EmulatorControl
import Glibc

/// Reads a control channel's token from a file that only its owner can read (mode 0600 or stricter): a token
/// that other users could read would protect nothing. The token is the file's first line.
public enum ControlTokenFile {
    /// Why a token file was not taken. No description holds the file's contents.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case notARegularFile(String)
        case readableByOthers(path: String, mode: UInt32)
        case ownedByAnotherUser(String)
        case empty(String)
        case unusable(path: String, reason: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read the control token file \(path): \(reason)"
            case .notARegularFile(let path): "the control token file \(path) is not a regular file"
            case .readableByOthers(let path, let mode):
                "the control token file \(path) has mode \(String(mode, radix: 8)); it must be readable by its owner only (chmod 600 \(path))"
            case .ownedByAnotherUser(let path): "the control token file \(path) belongs to another user"
            case .empty(let path): "the control token file \(path) is empty; write a secret of at least \(ControlChannelToken.minimumLength) characters on its first line"
            case .unusable(let path, let reason): "the control token file \(path): \(reason)"
            }
        }
    }

    /// The largest file read: a token line and its line end, with room to spare.
    static let maximumFileSize = 4096

    public static func read(_ path: String) throws(Problem) -> ControlChannelToken {
        // Non-blocking: a FIFO put at the path must be refused below, not wait for a writer.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notARegularFile(path) }
        guard status.st_mode & 0o077 == 0 else { throw .readableByOthers(path: path, mode: UInt32(status.st_mode & 0o7777)) }
        guard status.st_uid == geteuid() else { throw .ownedByAnotherUser(path) }
        var contents = [UInt8](repeating: 0, count: maximumFileSize)
        var filled = 0
        while filled < contents.count {
            let count = contents[filled...].withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
            if count == 0 { break }
            filled += count
        }
        var line = contents[..<filled].prefix { $0 != UInt8(ascii: "\n") }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        guard !line.isEmpty else { throw .empty(path) }
        do { return try ControlChannelToken(String(decoding: line, as: UTF8.self)) } catch {
            throw .unusable(path: path, reason: error.description)
        }
    }
}
