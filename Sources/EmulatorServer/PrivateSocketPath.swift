import Glibc

/// Puts a Unix socket at a path so that no other user can connect to it at any moment. The socket is bound in a
/// fresh folder of mode 0700 beside the path (`mkdtemp`), made 0600 there, and only then given its public name by
/// `link(2)`, which neither follows nor replaces anything already at the path (a file, a socket or a symlink there
/// is refused); the private name and folder are removed. A bind straight at the path, then a chmod, would leave a
/// moment in which the socket has the umask's mode. One thing at the path is cleared first: an abandoned socket of
/// this user's that nobody listens on any more (an emulator killed by SIGKILL leaves one), so a rerun just works.
struct PrivateSocketPath {
    /// The socket's public path.
    let path: String
    /// The private folder the socket is bound in.
    private let folder: String
    /// Where to bind: inside the private folder.
    var bindPath: String { folder + "/s" }

    /// The identity of a published socket, so that a stop removes that socket and nothing put there since.
    struct Identity: Equatable, Sendable {
        let device: UInt64
        let inode: UInt64

        init?(path: String) {
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK else { return nil }
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
        }
    }

    init(_ path: String) throws(ControlChannelError) {
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFSOCK, status.st_uid == geteuid(), let stale = Identity(path: path),
                  Self.nobodyListens(at: path) else { throw .pathTaken(path) }
            Self.remove(path, ifStill: stale)
            guard lstat(path, &status) != 0 else { throw .pathTaken(path) }
        }
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let base = path.hasPrefix("/") && parent.isEmpty ? "" : parent.isEmpty ? "." : parent
        var template = Array("\(base)/.otpkit-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) != nil }
        guard made else { throw .cannotPlace(path: path, reason: Self.reason(errno)) }
        self.path = path
        folder = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard bindPath.utf8.count < 108 else {
            discard()
            throw .cannotPlace(path: path, reason: "its folder's path is too long for a private socket beside it")
        }
    }

    /// After the bind: makes the socket 0600 and gives it its public name; the private folder goes.
    func publish() throws(ControlChannelError) -> Identity {
        defer { discard() }
        guard chmod(bindPath, 0o600) == 0 else { throw .cannotPlace(path: path, reason: Self.reason(errno)) }
        guard link(bindPath, path) == 0 else {
            let error = errno
            throw error == EEXIST ? .pathTaken(path) : .cannotPlace(path: path, reason: Self.reason(error))
        }
        guard let identity = Identity(path: path) else { throw .cannotPlace(path: path, reason: "the socket vanished") }
        return identity
    }

    /// Removes the private name and folder (after a publish, or after a failed bind).
    func discard() {
        unlink(bindPath)
        rmdir(folder)
    }

    /// Removes the socket at `path` if it still is the one published.
    static func remove(_ path: String, ifStill identity: Identity) {
        if Identity(path: path) == identity { unlink(path) }
    }

    /// Whether connecting to the socket at `path` is refused: its listener is gone.
    private static func nobodyListens(at path: String) -> Bool {
        // Non-blocking: a live listener with a full backlog answers EAGAIN at once instead of holding the start.
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in buffer.copyBytes(from: bytes) }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return connected != 0 && errno == ECONNREFUSED
    }

    private static func reason(_ error: Int32) -> String {
        String(cString: strerror(error))
    }
}
