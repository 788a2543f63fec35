import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files that hold secrets (seed records, exports, master keys, emulator state): readable by the owner only
/// from the first byte, replaced atomically, durable when the call returns.
///
/// A fresh temporary file is created with O_EXCL|O_NOFOLLOW and mode 0600 (a stale or planted temporary file or
/// symlink is refused, never reused), written, synced, renamed over the target, and the folder is synced.
public enum PrivateFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Fails now, rather than after hours of work, when `path`'s folder takes no new file (missing, read-only,
    /// not ours): creates and removes a temporary file there.
    public static func checkWritable(_ path: String) throws(WriteError) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let probe = folder + "/.otpkit-write-check-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        close(fd)
        unlink(probe)
    }

    /// Opens a log for appending (O_APPEND, so several writers never overwrite each other's lines), created
    /// owner-only when missing; a symlink is refused.
    public static func openAppending(_ path: String) throws(WriteError) -> FileHandle {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    public static func write(_ bytes: [UInt8], to path: String) throws(WriteError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        var offset = 0
        var failure: String?
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
                break
            }
            offset += count
        }
        if failure == nil, fchmod(fd, 0o600) != 0 || fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw WriteError(path: path, reason: failure)
        }
        let folderFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folderFD >= 0, fsync(folderFD) == 0 else {
            if folderFD >= 0 { close(folderFD) }
            throw WriteError(path: path, reason: "the folder could not be synced: \(String(cString: strerror(errno)))")
        }
        close(folderFD)
    }
}
