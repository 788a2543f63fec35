import Foundation
import NIOCore
import NIOPosix
import RADIUS
import RADIUSServer
import Synchronization
import Testing
import TestSupport

/// FreeRADIUS (Debian's freeradius package) as a proxy in front of the server, as a site that runs FreeRADIUS
/// already would add otpkit: radclient asks FreeRADIUS, which forwards every request to otpkit as its home server
/// (adding its Proxy-State), and passes the answer back.
@Suite struct FreeRADIUSProxyTests {
    static let frontSecret = "front-secret"

    @Test func acceptAndRejectPassThroughAFreeRADIUSProxy() async throws {
        let freeradius = try #require(Subprocess.which("freeradius"), "freeradius is missing: `make test` installs it (apt-get install freeradius)")
        let authenticator = TestAuthenticator()
        try await withRADIUSServer(clients: [TestClients.loopback(name: "freeradius-proxy")], authenticator: authenticator) { server, address in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-freeradius-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let frontPort = try await freeUDPPort()
            try Self.writeConfiguration(in: folder, frontPort: frontPort, homePort: address.port!)
            let proxy = try BackgroundTool(freeradius, ["-X", "-d", folder.path])
            defer { proxy.stop() }
            #expect(await proxy.waitForLine(containing: "Ready to process requests", timeout: .seconds(30)), "\(proxy.output)")

            let front = try #require(Subprocess.which("radclient"), "radclient is missing: `make test` installs it (apt-get install freeradius-utils)")
            func ask(_ password: String) async throws -> String {
                let input = "User-Name = \"alice\"\nUser-Password = \"\(password)\"\nMessage-Authenticator = 0x00\n"
                let result = try await runTool(front, ["-x", "-r", "1", "-t", "20", "127.0.0.1:\(frontPort)", "auth", Self.frontSecret], input: input)
                return result.stdout + result.stderr
            }
            let accepted = try await ask("123456")
            #expect(accepted.contains("Received Access-Accept"), "\(accepted)\n\(proxy.output)")
            #expect(accepted.contains("Reply-Message = \"Welcome\""), "\(accepted)")
            let rejected = try await ask("000000")
            #expect(rejected.contains("Received Access-Reject"), "\(rejected)\n\(proxy.output)")

            #expect(authenticator.calls.map(\.clientName) == ["freeradius-proxy", "freeradius-proxy"])
            #expect(authenticator.calls.first?.password.text == "123456", "the proxy re-hid the password with otpkit's secret")
            #expect(server.metrics.snapshot().droppedTotal == 0, "\(server.metrics.snapshot())")
        }
    }

    /// A FreeRADIUS configuration of the test's own: one client (radclient on loopback), one home server (otpkit),
    /// and a default server that proxies everything to it.
    static func writeConfiguration(in folder: URL, frontPort: Int, homePort: Int) throws {
        for sub in ["run", "log"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let dir = folder.path
        let configuration = """
            prefix = /usr
            exec_prefix = /usr
            sysconfdir = /etc
            localstatedir = /var
            sbindir = /usr/sbin
            logdir = \(dir)/log
            raddbdir = \(dir)
            radacctdir = \(dir)/radacct
            name = freeradius
            confdir = \(dir)
            modconfdir = \(dir)/mods-config
            run_dir = \(dir)/run
            db_dir = \(dir)
            libdir = /usr/lib/freeradius
            pidfile = \(dir)/run/radiusd.pid
            max_request_time = 30
            cleanup_delay = 5
            max_requests = 1024
            hostname_lookups = no
            log {
                destination = stdout
            }
            security {
                allow_core_dumps = no
                max_attributes = 200
                reject_delay = 0
                status_server = yes
            }
            proxy_requests = yes
            proxy server {
                default_fallback = no
            }
            thread pool {
                start_servers = 1
                max_servers = 4
                min_spare_servers = 1
                max_spare_servers = 4
                max_requests_per_server = 0
            }
            modules {
            }
            client front {
                ipaddr = 127.0.0.1
                secret = \(frontSecret)
            }
            home_server otpkit {
                type = auth
                ipaddr = 127.0.0.1
                port = \(homePort)
                secret = \(String(decoding: TestClients.secret.bytes, as: UTF8.self))
                response_window = 20
                status_check = none
            }
            home_server_pool otpkit_pool {
                type = fail-over
                home_server = otpkit
            }
            realm otpkit {
                auth_pool = otpkit_pool
            }
            server default {
                listen {
                    type = auth
                    ipaddr = 127.0.0.1
                    port = \(frontPort)
                }
                authorize {
                    update control {
                        &Proxy-To-Realm := "otpkit"
                    }
                }
                authenticate {
                }
            }

            """
        try Data(configuration.utf8).write(to: folder.appendingPathComponent("radiusd.conf"))
    }
}

/// A free UDP port on 127.0.0.1 (bound and released; the program given it binds it again at once).
func freeUDPPort() async throws -> Int {
    let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
}

/// A program running beside the test (a FreeRADIUS proxy), its output collected by a thread of its own, so that the
/// test can wait for the line saying it is ready.
final class BackgroundTool: Sendable {
    private struct State {
        var output = ""
        var waiters: [(text: String, continuation: CheckedContinuation<Bool, Never>)] = []
        var ended = false
    }

    private let process: Process
    private let state = Mutex(State())

    init(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        self.process = process
        try process.run()
        let reader = pipe.fileHandleForReading
        Thread { [self] in collect(from: reader) }.start()
    }

    private func collect(from reader: FileHandle) {
        while true {
            let data = reader.availableData
            let answered = state.withLock { state -> [(CheckedContinuation<Bool, Never>, Bool)] in
                if data.isEmpty { state.ended = true } else { state.output += String(decoding: data, as: UTF8.self) }
                let output = state.output, ended = state.ended
                let done = state.waiters.filter { output.contains($0.text) || ended }
                state.waiters.removeAll { output.contains($0.text) || ended }
                return done.map { ($0.continuation, output.contains($0.text)) }
            }
            for (continuation, seen) in answered { continuation.resume(returning: seen) }
            if data.isEmpty { return }
        }
    }

    var output: String { state.withLock { $0.output } }

    /// True once the output holds `text`; false when the program ends first or `timeout` passes.
    func waitForLine(containing text: String, timeout: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            let immediate = state.withLock { state -> Bool? in
                if state.output.contains(text) { return true }
                if state.ended { return false }
                state.waiters.append((text, continuation))
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
            Task {
                try? await Task.sleep(for: timeout)
                let expired = self.state.withLock { state -> [CheckedContinuation<Bool, Never>] in
                    let mine = state.waiters.filter { $0.text == text }.map(\.continuation)
                    state.waiters.removeAll { $0.text == text }
                    return mine
                }
                for continuation in expired { continuation.resume(returning: false) }
            }
        }
    }

    /// Kills the program (SIGKILL: a program started from a test thread inherits its blocked signals, SIGTERM among
    /// them) and waits for it to end.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
