import Foundation
import TestSupport
import Testing

/// `otpkit emulate ... -- COMMAND` run as an ordinary user (nobody, no groups), as someone at their desk would run it:
/// the HID software of the vendors finds the emulated tokens through the testbed's hidraw and evdev nodes without
/// any privilege. The tokens' state folder and the user's home are temporary folders that user owns.
struct UnprivilegedEmulator {
    static let user = "nobody", group = "nogroup"
    static let venv = ProjectPaths.root.appendingPathComponent(".cache/venv/bin")

    let family: String
    let firstSerial: Int
    let folder: URL
    var stateFolder: URL { folder.appendingPathComponent("state") }
    var home: URL { folder.appendingPathComponent("home") }

    init(family: String, firstSerial: Int) throws {
        try #require(Subprocess.which("setpriv") != nil, "setpriv (util-linux) is missing")
        self.family = family
        self.firstSerial = firstSerial
        folder = URL(fileURLWithPath: "/tmp/otpkit-user-\(UUID().uuidString.prefix(8))")
        for made in [folder, folder.appendingPathComponent("state"), folder.appendingPathComponent("home")] {
            try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true)
            let owned = try Subprocess.run("/bin/chown", ["\(Self.user):\(Self.group)", made.path])
            try #require(owned.status == 0, "\(owned.stderr)")
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A tool of the project's virtual environment (`make test` installs ykman and nitropy there).
    static func tool(_ name: String) throws -> String {
        let path = venv.appendingPathComponent(name).path
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(name) is missing: `make test` installs it into .cache/venv (from PyPI)")
        return path
    }

    /// The command line that runs `command` under the emulator as the ordinary user.
    func commandLine(_ command: [String], control: String? = nil) -> (String, [String]) {
        let emulate = [ProjectPaths.otpkit.path, "emulate", "--token", family, "--tokens", "1", "--first-serial", String(firstSerial),
                       "--state", stateFolder.path] + (control.map { ["--control", "unix:\($0)"] } ?? [])
        return ("/usr/bin/setpriv", ["--reuid=\(Self.user)", "--regid=\(Self.group)", "--clear-groups", "--",
                                     "/usr/bin/env", "-i", "HOME=\(home.path)", "PATH=\(Self.venv.path):/usr/bin:/bin", "LANG=C.UTF-8",
                                     "TMPDIR=/tmp"] + emulate + ["--"] + command)
    }

    /// Runs `command` to its end under a fresh emulator of the same tokens (their state kept between runs).
    func run(_ command: String...) throws -> ProcessResult {
        let (executable, arguments) = commandLine(command)
        return try Subprocess.run(executable, arguments, timeout: 120)
    }
}
