import EmulatorControl
import EmulatorServer
import Foundation
import Synchronization
import TestSupport
import Testing

/// The control channel's Unix socket is reachable by its owner only, from its first moment: it is bound inside a
/// private folder and linked into place already 0600, so no other user can connect between a bind and a chmod; a
/// path already taken (a file, a live socket, a symlink, another user's socket) is refused, never replaced or followed;
/// only an abandoned socket of this user's (nobody listens: an emulator killed by SIGKILL) is cleared.
@Suite struct ControlSocketPrivacyTests {
    /// A fresh folder others may enter (0755), as /tmp or a home folder would be.
    static func openFolder() throws -> URL {
        let folder = URL(fileURLWithPath: "/tmp/otpkit-sock-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return folder
    }

    static func mode(_ path: String) -> (type: mode_t, permissions: mode_t)? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return (status.st_mode & S_IFMT, status.st_mode & 0o7777)
    }

    /// Watches the folder from another thread through many starts and stops: every socket it ever sees there has no
    /// permission for others, and every folder is private. (A bind at the path followed by a chmod, as before, shows
    /// the umask's mode, 0755 here, to this watcher hundreds of times in 40 starts.)
    @Test func noSocketInTheFolderIsEverOpenToOthers() async throws {
        let folder = try Self.openFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("control.sock").path
        let done = Atomic(false)
        let seen = Mutex<[String]>([])
        let watcher = Thread {
            while !done.load(ordering: .relaxed) {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
                    let entry = folder.appendingPathComponent(name).path
                    guard let (type, permissions) = Self.mode(entry) else { continue }
                    if type == S_IFSOCK && permissions & 0o077 != 0 || type == S_IFDIR && permissions != 0o700 {
                        seen.withLock { $0.append("\(name) \(String(permissions, radix: 8))") }
                    }
                }
            }
        }
        watcher.start()
        for _ in 0..<40 {
            let server = ControlChannelServer(target: RecordingTarget())
            try await server.start(.unix(path: path))
            #expect(Self.mode(path)?.permissions == 0o600)
            await server.stop()
        }
        done.store(true, ordering: .relaxed)
        let open = seen.withLock { $0 }
        #expect(open.isEmpty, "open to others \(open.count) times, as \(Set(open).sorted())")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "no private folder or socket left behind")
    }

    /// Another user (nobody) cannot connect; the owner can. Runs only as root, which can become another user.
    @Test(.enabled(if: getuid() == 0)) func anotherUserCannotConnect() async throws {
        let folder = try Self.openFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("control.sock").path
        let server = ControlChannelServer(target: RecordingTarget())
        try await server.start(.unix(path: path))
        defer { server.stopWithoutWaiting() }
        let setpriv = try #require(Subprocess.which("setpriv"))
        let connect = "import socket, sys\ns = socket.socket(socket.AF_UNIX)\ntry:\n    s.connect(sys.argv[1]); print('connected')\n"
            + "except OSError as e:\n    print(e.errno)"
        let nobody = try Subprocess.run(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", connect, path],
                                        timeout: 30)
        #expect(nobody.stdout == "\(EACCES)\n", "\(nobody.stdout)\(nobody.stderr)")
        let owner = try Subprocess.run("/usr/bin/python3", ["-c", connect, path], timeout: 30)
        #expect(owner.stdout == "connected\n", "\(owner.stdout)\(owner.stderr)")
    }

    @Test func aPathAlreadyTakenIsRefusedAndLeftAlone() async throws {
        let folder = try Self.openFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("file").path
        try Data("mine".utf8).write(to: URL(fileURLWithPath: file))
        let target = folder.appendingPathComponent("target").path
        let link = folder.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let live = folder.appendingPathComponent("live.sock").path
        let old = ControlChannelServer(target: RecordingTarget())
        try await old.start(.unix(path: live))
        let liveIdentity = Self.mode(live)
        for path in [file, link, live] {
            let server = ControlChannelServer(target: RecordingTarget())
            await #expect(throws: ControlChannelError.pathTaken(path)) { try await server.start(.unix(path: path)) }
            await server.stop()
        }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "mine")
        #expect(!FileManager.default.fileExists(atPath: target), "the symlink was not followed")
        #expect(Self.mode(live)?.type == liveIdentity?.type)
        let client = try LineClient(path: live)
        client.send("{\"press\": \"1-1\"}\n")
        #expect(client.readLine() == #"{"device":"1-1","slot":null,"typed":"755224"}"#, "the first server's socket still serves")
        await old.stop()
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == ["file", "link"])
    }

    /// A socket bound and never unlinked, whose listener is gone (what SIGKILL leaves behind).
    static func abandonedSocket(at path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(descriptor)
        try #require(bound == 0 && mode(path)?.type == S_IFSOCK)
    }

    @Test func anAbandonedSocketOfThisUsersIsClearedAndAnotherUsersIsRefused() async throws {
        let folder = try Self.openFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mine = folder.appendingPathComponent("mine.sock").path
        try Self.abandonedSocket(at: mine)
        let server = ControlChannelServer(target: RecordingTarget())
        try await server.start(.unix(path: mine))
        let client = try LineClient(path: mine)
        client.send("{\"press\": \"1-1\"}\n")
        #expect(client.readLine() == #"{"device":"1-1","slot":null,"typed":"755224"}"#, "a rerun after SIGKILL just works")
        await server.stop()
        guard getuid() == 0 else { return }
        let theirs = folder.appendingPathComponent("theirs.sock").path
        try Self.abandonedSocket(at: theirs)
        try #require(chown(theirs, 65534, 65534) == 0)
        let other = ControlChannelServer(target: RecordingTarget())
        await #expect(throws: ControlChannelError.pathTaken(theirs)) { try await other.start(.unix(path: theirs)) }
        await other.stop()
        #expect(Self.mode(theirs)?.type == S_IFSOCK, "another user's socket is left where it is")
    }

    @Test func aLibraryCallerCannotPutTheChannelOffLoopback() async throws {
        let server = ControlChannelServer(target: RecordingTarget())
        defer { server.stopWithoutWaiting() }
        let token = ControlChannelAuthenticationTests.token
        await #expect(throws: ControlChannelError.self) { try await server.start(.tcp(host: "0.0.0.0", port: 0), token: token) }
        let loopback = ControlChannelServer(target: RecordingTarget())
        defer { loopback.stopWithoutWaiting() }
        let bound = try await loopback.start(.tcp(host: "127.0.0.1", port: 0), token: token)
        await #expect(throws: ControlChannelError.self, "a second start of one channel is refused") {
            try await loopback.start(.tcp(host: "127.0.0.1", port: 0), token: token)
        }
        if case .tcp(_, let port) = bound { #expect(port > 0) }
    }
}
