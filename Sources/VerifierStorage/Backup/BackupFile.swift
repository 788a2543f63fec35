import Crypto
import Foundation
import OTPCore
#if canImport(Glibc)
import Glibc
#endif

/// The file work of backups and restores: checksums read in chunks, private temporary files beside their target,
/// and the rename that makes a file appear whole or not at all. Blocking: run on a backup's own queue.
enum BackupFile {
    static let chunk = 1 << 20

    /// Reads `path` whole and checks it as a backup: its trailer, and the image's length and SHA-256 against it.
    /// With `copy`, the image's bytes also go to that file handle, in the same pass (a failed write names `copy.path`).
    /// Writes nothing else.
    static func verify(_ path: String, copyingTo copy: (handle: FileHandle, path: String)? = nil) throws(BackupError) -> BackupTrailer {
        let file: FileHandle, size: Int
        do {
            file = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            size = Int(try file.seekToEnd())
        } catch {
            throw .damaged(path: path, reason: "cannot read it: \(reason(error))")
        }
        defer { try? file.close() }
        let trailer: BackupTrailer
        do {
            guard size >= BackupTrailer.size else { throw BackupError.damaged(path: path, reason: "too short: \(size) bytes") }
            try file.seek(toOffset: UInt64(size - BackupTrailer.size))
            let tail = Array(try file.read(upToCount: BackupTrailer.size) ?? Data())
            guard let read = BackupTrailer(tail, fileSize: size) else {
                throw BackupError.damaged(path: path, reason: "no backup trailer at its end: cut short, or not a backup")
            }
            trailer = read
            try file.seek(toOffset: 0)
        } catch let error as BackupError {
            throw error
        } catch {
            throw .damaged(path: path, reason: "cannot read it: \(reason(error))")
        }
        let sum = try sha256(of: file, count: trailer.bytes, path: path, copyingTo: copy)
        guard sum == trailer.sha256 else { throw .damaged(path: path, reason: "its SHA-256 does not match the one it records: altered or damaged") }
        return trailer
    }

    /// The SHA-256 (hex) of the first `count` bytes of `file` from where it stands, optionally copied to `copy`.
    static func sha256(of file: FileHandle, count: Int, path: String, copyingTo copy: (handle: FileHandle, path: String)? = nil) throws(BackupError) -> String {
        var hash = SHA256(), left = count
        while left > 0 {
            let data: Data
            do { data = try file.read(upToCount: min(chunk, left)) ?? Data() } catch {
                throw .damaged(path: path, reason: "cannot read it: \(reason(error))")
            }
            guard !data.isEmpty else { throw .damaged(path: path, reason: "it ended \(left) bytes early") }
            hash.update(data: data)
            if let copy {
                do { try copy.handle.write(contentsOf: data) } catch { throw .unwritable(path: copy.path, reason: reason(error)) }
            }
            left -= data.count
        }
        return Hex.encode(hash.finalize())
    }

    /// What went wrong with a file, in the system's words (`No space left on device`), not Foundation's wrapping.
    static func reason(_ error: any Error) -> String {
        let error = error as NSError
        let posix = (error.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? $0 : nil }
            ?? (error.domain == NSPOSIXErrorDomain ? error : nil)
        return posix.map { String(cString: strerror(Int32($0.code))) } ?? error.localizedDescription
    }

    /// A new empty file beside `target`, owner-only from its first moment (O_EXCL: nothing planted is reused), named
    /// `.NAME.PURPOSE-PID-RANDOM`.
    static func temporary(beside target: String, purpose: String) throws(BackupError) -> String {
        let url = URL(fileURLWithPath: target)
        let path = url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".\(purpose)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .unwritable(path: target, reason: String(cString: strerror(errno))) }
        close(descriptor)
        return path
    }

    /// Removes a database file (a temporary one, or a target a failed restore created) and what SQLite kept beside it.
    static func removeDatabase(_ path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
    }

    /// Makes renames and removals in `path`'s folder durable.
    static func syncFolder(of path: String) throws(BackupError) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if descriptor >= 0 { close(descriptor) } }
        guard descriptor >= 0, fsync(descriptor) == 0 else {
            throw .unwritable(path: path, reason: "its folder could not be synced: \(String(cString: strerror(errno)))")
        }
    }

    /// Whether `a` and `b` are one file (or `b` one of SQLite's files beside `a`).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        func identity(_ path: String) -> (UInt64, UInt64)? {
            var status = stat()
            return stat(path, &status) == 0 ? (UInt64(status.st_dev), UInt64(status.st_ino)) : nil
        }
        guard let other = identity(b) else { return false }
        return ["", "-wal", "-shm", "-journal", ".key", ".lock"].contains { suffix in identity(a + suffix).map { $0 == other } ?? false }
    }
}
