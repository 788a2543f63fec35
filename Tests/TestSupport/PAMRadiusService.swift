import Foundation

/// A PAM service that authenticates through pam_radius_auth (Debian's libpam-radius-auth) against one RADIUS server,
/// and `pamtester` to log in through it, as sshd or sudo would.
///
/// pamtester only knows services in /etc/pam.d, so the service file is `/etc/pam.d/otpkit-test-<unique>`, removed when
/// the fixture is released (and by a watchdog if the test process dies first). The service has only the `auth` line:
/// `pamtester SERVICE USER authenticate` calls pam_authenticate alone, no account or session stage. pam_radius_auth's
/// server file (`HOST:PORT SECRET TIMEOUT`) is private to the test (mode 0600, in a folder of mode 0700).
public final class PAMRadiusService: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// What pamtester reported.
    public struct Outcome: Sendable, CustomStringConvertible {
        public let succeeded: Bool
        /// Both streams: the prompts PAM showed (`Password: `, a challenge's Reply-Message) and pamtester's verdict.
        public let output: String
        public let exitStatus: Int32
        public var description: String { "\(succeeded ? "succeeded" : "failed") (exit \(exitStatus)): \(output)" }
    }

    public let serviceName: String
    public let serviceFile: String
    public let serverFile: String
    private let folder: String
    private let pamtester: String

    /// `timeoutSeconds`: how long pam_radius_auth waits for each answer (it tries again once after a timeout).
    public init(host: String = "127.0.0.1", port: Int, secret: String, timeoutSeconds: Int = 3) throws {
        guard let pamtester = Subprocess.which("pamtester") else {
            throw Failure(description: "pamtester not found: install Debian's pamtester (`make test` does)")
        }
        guard let module = Self.findModule() else {
            throw Failure(description: "pam_radius_auth.so not found: install Debian's libpam-radius-auth (`make test` does)")
        }
        self.pamtester = pamtester
        let unique = UUID().uuidString.prefix(8).lowercased()
        serviceName = "otpkit-test-\(unique)"
        serviceFile = "/etc/pam.d/\(serviceName)"
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-pam-\(unique)").path
        serverFile = folder + "/pam_radius_auth.conf"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try PrivateFile.create(serverFile, contents: "\(host):\(port) \(secret) \(timeoutSeconds)\n")
        CleanupWatchdog.start(afterThisProcess: "rm -f '\(serviceFile)'; rm -rf '\(folder)'")
        do {
            try PrivateFile.create(serviceFile, contents: "# otpkit test service, removed after its test\n"
                                   + "auth required \(module) conf=\(serverFile)\n", mode: 0o644)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw Failure(description: "cannot write the PAM service \(serviceFile) (pamtester only reads services in "
                          + "/etc/pam.d; run the tests as root): \(error)")
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: serviceFile)
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// `pamtester SERVICE USER authenticate`, answering PAM's prompts from `responses` in turn: the password, then
    /// the answer to an Access-Challenge's prompt if the server sends one.
    public func authenticate(user: String, responses: [String]) throws -> Outcome {
        let result = try Subprocess.run(pamtester, [serviceName, user, "authenticate"],
                                        input: responses.map { $0 + "\n" }.joined(), timeout: 60)
        let output = result.stdout + result.stderr
        return Outcome(succeeded: result.status == 0 && output.contains("successfully authenticated"), output: output,
                       exitStatus: result.status)
    }

    public func authenticate(user: String, password: String) throws -> Outcome {
        try authenticate(user: user, responses: [password])
    }

    /// Debian installs the module into the multiarch security folder.
    private static func findModule() -> String? {
        let candidates = ["/lib/x86_64-linux-gnu/security", "/usr/lib/x86_64-linux-gnu/security",
                          "/lib/aarch64-linux-gnu/security", "/usr/lib/aarch64-linux-gnu/security", "/lib/security",
                          "/usr/lib/security"].map { $0 + "/pam_radius_auth.so" }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }
}
