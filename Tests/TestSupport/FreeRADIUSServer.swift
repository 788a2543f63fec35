import Foundation

/// FreeRADIUS (Debian's `freeradius` 3.2) run by a test: its configuration written into a temporary folder of its
/// own, `freeradius -X -d FOLDER` (one process, debug log on stdout, no system service) on a free loopback UDP port,
/// ready once it printed "Ready to process requests", stopped when the fixture is released.
///
/// As a home server it stands in for otpkit today (the harness tests check the peers and fixtures with it); as a
/// proxy it is how a site that already runs FreeRADIUS puts otpkit behind a realm.
public final class FreeRADIUSServer: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let configuration: FreeRADIUSConfiguration
    public let folder: String
    /// The authentication port it listens on, at 127.0.0.1.
    public let port: Int
    private let process: ServiceProcess

    /// Writes the configuration and starts the server. A port another process took between our check and
    /// FreeRADIUS's bind costs a retry on another port, not the test.
    public init(_ configuration: FreeRADIUSConfiguration) throws {
        guard let executable = ["/usr/sbin/freeradius", "/usr/sbin/radiusd"].first(where: FileManager.default.isExecutableFile(atPath:))
                ?? Subprocess.which("freeradius") else {
            throw Failure(description: "freeradius not found: install Debian's freeradius (`make test` does)")
        }
        self.configuration = configuration
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-freeradius-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var attempt = 0
        while true {
            attempt += 1
            let port = try LoopbackPorts.freeUDPPort()
            let files = try configuration.files(folder: folder, port: port)
            for (name, text) in files {
                let path = folder + "/" + name
                try? FileManager.default.removeItem(atPath: path)
                try PrivateFile.create(path, contents: text)
            }
            let process = try ServiceProcess(name: "freeradius", executable: executable, arguments: ["-X", "-d", folder],
                                             cleanupOnAbandon: "rm -rf '\(folder)'")
            do {
                try process.waitForLine(containing: "Ready to process requests", timeout: 30)
                self.port = port
                self.process = process
                return
            } catch {
                process.stop()
                let output = process.output
                if attempt < 3, output.contains("Address already in use") { continue }
                try? FileManager.default.removeItem(atPath: folder)
                throw Failure(description: "FreeRADIUS did not start: \(error)")
            }
        }
    }

    deinit {
        process.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Its debug log so far (each request's processing, the proxying, the replies).
    public var log: String { process.output }

    /// Stops it now (it also stops when the fixture is released).
    public func stop() { process.stop() }
}
