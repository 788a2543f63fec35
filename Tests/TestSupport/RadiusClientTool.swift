import Foundation

/// FreeRADIUS's own clients (Debian's freeradius-utils) pointed at one RADIUS server: `radtest` as an administrator
/// types it, and `radclient` for what radtest cannot say (a State to echo, no Message-Authenticator, Status-Server).
/// Every run has radclient's own timeout and retries, and a deadline for the whole process on top.
public struct RadiusClientTool: Sendable {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    public let host: String
    public let port: Int
    private let secret: String
    /// radclient's wait for each try (`-t`) and the number of tries (`-r`).
    public let timeoutSeconds: Int
    public let tries: Int
    private let radtestPath: String
    private let radclientPath: String

    public init(host: String = "127.0.0.1", port: Int, secret: String, timeoutSeconds: Int = 2, tries: Int = 2) throws {
        guard let radtest = Subprocess.which("radtest"), let radclient = Subprocess.which("radclient") else {
            throw Missing(description: "radtest/radclient not found: install Debian's freeradius-utils (`make test` does)")
        }
        radtestPath = radtest
        radclientPath = radclient
        self.host = host
        self.port = port
        self.secret = secret
        self.timeoutSeconds = timeoutSeconds
        self.tries = tries
    }

    /// The same server with another shared secret (a client that was given the wrong one).
    public func withSecret(_ other: String) throws -> RadiusClientTool {
        try RadiusClientTool(host: host, port: port, secret: other, timeoutSeconds: timeoutSeconds, tries: tries)
    }

    private var server: String { "\(host):\(port)" }

    /// `radtest USER PASSWORD HOST:PORT 0 SECRET 0 127.0.0.1`: a PAP Access-Request that lists Message-Authenticator
    /// (radtest always asks radclient for one). radtest has no timeout options: radclient's defaults apply (3 tries
    /// of 5 s), so a server that never answers costs 15 s here.
    public func radtest(user: String, password: String) throws -> RadiusReply {
        let result = try Subprocess.run(radtestPath, [user, password, server, "0", secret, "0", "127.0.0.1"], timeout: 60)
        return RadiusReply(parsing: result.stdout + result.stderr, exitStatus: result.status)
    }

    /// An Access-Request through radclient: PAP `password`, the `state` of a challenge echoed when given, and
    /// Message-Authenticator only when `messageAuthenticator` (as radclient sends it only when asked).
    public func authenticate(user: String, password: String, state: [UInt8]? = nil,
                             messageAuthenticator: Bool = true) throws -> RadiusReply {
        var lines = ["User-Name = \(Self.quoted(user))", "User-Password = \(Self.quoted(password))",
                     "NAS-IP-Address = 127.0.0.1", "NAS-Port = 0"]
        if let state { lines.append("State = 0x" + state.map { String(format: "%02x", $0) }.joined()) }
        if messageAuthenticator { lines.append("Message-Authenticator = 0x00") }
        return try radclient("auth", lines)
    }

    /// A Status-Server (RFC 5997), with the Message-Authenticator it must carry.
    public func statusServer() throws -> RadiusReply {
        try radclient("status", ["Message-Authenticator = 0x00"])
    }

    private func radclient(_ command: String, _ attributes: [String]) throws -> RadiusReply {
        let arguments = ["-x", "-t", String(timeoutSeconds), "-r", String(tries), server, command, secret]
        let result = try Subprocess.run(radclientPath, arguments, input: attributes.joined(separator: "\n") + "\n",
                                        timeout: TimeInterval(timeoutSeconds * tries + 20))
        return RadiusReply(parsing: result.stdout + result.stderr, exitStatus: result.status)
    }

    /// A radclient string value: quoted, with its backslashes and quotes escaped.
    static func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

extension RadiusClientTool: CustomStringConvertible {
    /// Without the shared secret.
    public var description: String { "RadiusClientTool(\(host):\(port))" }
}
