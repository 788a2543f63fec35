import Foundation
import TestSupport
import Testing

/// `otpkit emulate -- COMMAND`: the tokens as USB devices of a umockdev testbed that otpkit drives through
/// libumockdev in its own process (no Python), COMMAND run with umockdev's preload; and the JSON control channel.
@Suite(.serialized) struct EmulateCommandTests {
    static let key = "3132333435363738393031323334353637383930"

    static func tool(_ name: String) throws -> String {
        try #require(Subprocess.which(name), "\(name) is missing: `make test` installs it")
    }

    /// Runs `otpkit emulate ARGUMENTS -- COMMAND` (as the unprivileged user `nobody` when the tests run as root, so
    /// that nothing depends on root), with a deadline.
    static func emulate(_ arguments: [String], _ command: [String], asNobody: Bool = false) throws -> ProcessResult {
        let otpkit = ProjectPaths.otpkit.path
        let environment = ["OTPKIT_DEVICE": "", "OTPKIT_PIN": ""]
        if asNobody && getuid() == 0 {
            return try Subprocess.run(try tool("setpriv"), ["--reuid=65534", "--regid=65534", "--clear-groups", otpkit, "emulate"]
                                      + arguments + ["--"] + command, environment: environment, timeout: 60)
        }
        return try Subprocess.run(otpkit, ["emulate"] + arguments + ["--"] + command, environment: environment, timeout: 60)
    }

    @Test func ykinfoSeesTheEmulatedYubiKeyAsAnOrdinaryUser() throws {
        let info = try Self.emulate(["--token", "yubikey", "--first-serial", "1234567"], [try Self.tool("ykinfo"), "-a"], asNobody: true)
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("serial: 1234567") && info.stdout.contains("version: 2.4.3"), "\(info.stdout)")
        #expect(info.stdout.contains("vendor_id: 1050"))
        #expect(!info.stdout.contains("listening on"), "COMMAND's standard output is its own")
    }

    @Test func ykpersonalizeProgramsASlotThatPersists() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-emulate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let arguments = ["--token", "yubikey", "--first-serial", "4242", "--state", folder.path]
        let written = try Self.emulate(arguments, [try Self.tool("ykpersonalize"), "-1", "-o", "oath-hotp", "-a", Self.key, "-y"],
                                   asNobody: true)
        #expect(written.status == 0, "\(written.stderr)")
        let info = try Self.emulate(arguments, [try Self.tool("ykinfo"), "-1"], asNobody: true)
        #expect(info.stdout.contains("slot1_status: 1"), "the slot ykpersonalize wrote is kept in --state: \(info.stdout)\(info.stderr)")
    }

    @Test func libnitrokeyWorksUnchanged() throws {
        let checker = try NitrokeyVendorToolTests.buildChecker()
        defer { try? FileManager.default.removeItem(atPath: checker) }
        let result = try Self.emulate(["--token", "nitrokey-pro", "--first-serial", "3141592"], [checker, Self.key, "5"], asNobody: true)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("serial 3141592"), "\(lines)")
        #expect(lines.contains("read status=0 name=otpkit counter=5"), "\(lines)")
    }

    @Test func otpkitItselfThroughLibusb() throws {
        let otpkit = ProjectPaths.otpkit.path
        let info = try Self.emulate(["--first-serial", "777"], [otpkit, "info", "--json"], asNobody: true)
        #expect(info.status == 0, "\(info.stderr)")
        let token = try info.json(CLIOutput.OpenHOTPInfo.self)
        #expect(token.address == "usb:1:2" && token.device.serial == 777, "\(info.stdout)")
        let script = "\(otpkit) program --secret \(Self.key) >/dev/null && \(otpkit) touch && \(otpkit) counter"
        let used = try Self.emulate(["--first-serial", "778"], ["/bin/sh", "-c", script], asNobody: true)
        #expect(used.stdout == "755224\n1\n", "\(used.stdout)\(used.stderr)")
    }

    static let statusCases: [([String], Int32)] = [
        (["/bin/sh", "-c", "exit 7"], 7), (["/bin/true"], 0), (["/bin/sh", "-c", "kill -TERM $$"], 143), (["/nonexistent/command"], 127),
    ]

    @Test(arguments: statusCases)
    func theCommandsExitStatusIsPassedOn(_ command: [String], _ status: Int32) throws {
        #expect(try Self.emulate([], command).status == status)
    }

    /// The Python example of docs/emulator.md, run as it stands there, against `emulate --control unix:PATH -- COMMAND`.
    @Test func theReadmesPythonExampleDrivesTheControlChannel() throws {
        let readme = try String(contentsOf: ProjectPaths.root.appendingPathComponent("docs/emulator.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "```python\n"))
        let end = try #require(readme.range(of: "```\n", range: start.upperBound..<readme.endIndex))
        let example = String(readme[start.upperBound..<end.lowerBound])
        #expect(example.split(separator: "\n").count == 10)
        let folder = URL(fileURLWithPath: "/tmp/otpkit-control-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("example.py")
        try example.write(to: script, atomically: true, encoding: .utf8)
        let socket = folder.appendingPathComponent("control.sock").path
        let otpkit = ProjectPaths.otpkit.path
        let run = try Self.emulate(["--tokens", "2", "--first-serial", "777", "--control", "unix:\(socket)"],
                                   ["/bin/sh", "-c", "\(otpkit) program --secret \(Self.key) --device usb:serial=00000777 >/dev/null"
                                    + " && /usr/bin/python3 \(script.path) \(socket)"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "755224\n1\n{'unplugged': '1-2'} {'error': 'no device 1-9'}\n", "\(run.stdout)\(run.stderr)")
    }

    /// Unplugging and plugging through the control channel while COMMAND runs: the token leaves and rejoins the
    /// USB devices COMMAND enumerates.
    @Test func unplugAndPlugWhileTheCommandRuns() throws {
        let socket = "/tmp/otpkit-plug-\(UUID().uuidString.prefix(8)).sock"
        let otpkit = ProjectPaths.otpkit.path
        let ask = "/usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); "
            + "s.sendall(sys.argv[2].encode()+b\"\\n\"); print(s.makefile().readline(), end=\"\")' \(socket)"
        let script = [
            "\(otpkit) devices", "\(ask) '{\"unplug\": \"1-2\"}'", "\(otpkit) devices",
            "\(ask) '{\"plug\": \"1-2\"}'", "\(otpkit) devices",
        ].joined(separator: " && ")
        let run = try Self.emulate(["--tokens", "2", "--first-serial", "800", "--control", "unix:\(socket)"], ["/bin/sh", "-c", script])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map { String($0.prefix(36)) }
        #expect(lines == [
            "usb:1:2  OpenHOTP  1209:0001  serial", "usb:1:3  OpenHOTP  1209:0001  serial", #"{"unplugged":"1-2"}"#,
            "usb:1:2  OpenHOTP  1209:0001  serial", #"{"plugged":"1-2"}"#,
            "usb:1:2  OpenHOTP  1209:0001  serial", "usb:1:3  OpenHOTP  1209:0001  serial",
        ], "\(run.stdout)")
    }

    /// Server mode over loopback TCP: the channel is announced, faults are armed while a client works, overlong and
    /// malformed lines get error lines and the connection stays usable.
    @Test func theControlChannelOverTCPArmsAFaultAndRefusesBadLines() throws {
        let tokenFile = try Self.tokenFile(mode: 0o600)
        defer { unlink(tokenFile) }
        let emulator = try EmulatorProcessFixture(tokens: 1, firstSerial: 790,
                                                  extraArguments: ["--control", "tcp:127.0.0.1:0", "--control-token-file", tokenFile])
        let address = try #require(emulator.announcedControlAddress)
        let port = try #require(Int(address.split(separator: ":").last ?? ""))
        let client = """
        import socket, sys
        channel = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10).makefile("rw")
        channel.write(open(sys.argv[2]).readline())
        for line in ['{"drop_after": 1, "device": "1-1"}', "x" * 5000, '{"press": [1]}', '{"state": "1-1"}']:
            channel.write(line + "\\n"); channel.flush(); print(channel.readline(), end="")
        """
        let stranger = try LineClient(loopbackPort: port)
        stranger.send("{\"drop_after\": 1}\n")
        #expect(stranger.closedWithoutAnswer(), "a client without the token gets no answer")
        let replies = try Subprocess.run("/usr/bin/python3", ["-c", client, String(port), tokenFile], timeout: 30)
        #expect(replies.stdout.split(separator: "\n").map(String.init) == [
            #"{"drop_after":1,"device":"1-1"}"#, #"{"error":"a line may hold at most 1024 bytes"}"#,
            #"{"error":"nested objects and arrays are not accepted"}"#,
            #"{"device":"1-1","family":"openhotp","serial":790,"plugged":true,"slots":[{"slot":0,"programmed":false,"counter":null},{"slot":1,"programmed":false,"counter":null},{"slot":2,"programmed":false,"counter":null},{"slot":3,"programmed":false,"counter":null}],"pin_tries_left":{}}"#,
        ], "\(replies.stderr)")
        // Info makes two feature-report transfers: the armed fault lets one through and pulls the token at the second.
        let info = try otpkit("info", "--device", emulator.device(1))
        #expect(info.status == 2, "\(info.stdout)\(info.stderr)")
    }

    /// A token file for `--control-token-file`, with `mode`.
    static func tokenFile(mode: mode_t) throws -> String {
        let path = "/tmp/otpkit-control-token-\(UUID().uuidString.prefix(8))"
        try #require(FileManager.default.createFile(atPath: path, contents: Data("emulate-token-0123456789abcdef\n".utf8)))
        try #require(chmod(path, mode) == 0)
        return path
    }

    /// The channel's command line refuses what would expose it: TCP without a token file, a token file others can
    /// read, and a path that exists already; each a usage error (64) that says what is allowed.
    @Test func unsafeControlChannelsAreUsageErrors() throws {
        let noToken = try Self.emulate(["--control", "tcp:127.0.0.1:0"], ["/bin/true"])
        #expect(noToken.status == 64 && noToken.stderr.contains("needs --control-token-file FILE"), "\(noToken.stderr)")

        let readable = try Self.tokenFile(mode: 0o644)
        defer { unlink(readable) }
        let open = try Self.emulate(["--control", "tcp:127.0.0.1:0", "--control-token-file", readable], ["/bin/true"])
        #expect(open.status == 64 && open.stderr.contains("has mode 644; it must be readable by its owner only"), "\(open.stderr)")
        #expect(!open.stderr.contains("emulate-token"), "the token is never shown")

        let taken = try Self.tokenFile(mode: 0o600)   // any existing file
        defer { unlink(taken) }
        let existing = try Self.emulate(["--control", "unix:\(taken)"], ["/bin/true"])
        #expect(existing.status == 64, "\(existing.stderr)")
        #expect(existing.stderr.contains("already exists") && existing.stderr.contains("unix:PATH (a PATH that does not exist yet) or tcp:127.0.0.1:PORT"),
                "\(existing.stderr)")

        let offLoopback = try Self.emulate(["--control", "tcp:0.0.0.0:0"], ["/bin/true"])
        #expect(offLoopback.status == 64 && offLoopback.stderr.contains("127.0.0.1"), "\(offLoopback.stderr)")
    }
}
