import Foundation
import TestSupport

/// The package test's Debian 12 guest: the cached debootstrapped root with the package installed by apt, booted
/// under QEMU with systemd as PID 1 (Tests/DebianPackage/), reached through the QEMU guest agent for commands and
/// through forwarded loopback ports for HTTP and RADIUS, as an administrator's machine would be reached.
final class DebianGuest {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let work: URL
    let httpPort: Int
    let radiusPort: Int
    private var qemuPID: Int32?

    /// Installs `package` into a copy of the root, puts `files` into the guest's /root, makes its disk and boots it;
    /// returns once the guest agent answers.
    init(package: URL, files: [URL] = []) throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-debian-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        httpPort = try LoopbackPorts.freeTCPPort()
        radiusPort = try LoopbackPorts.freeUDPPort()
        let prepared = try Self.asRoot(DebianPackageFiles.scripts.appendingPathComponent("prepare-image.sh").path,
                                      [try DebianPackageFiles.rootFileSystem().path, package.path, work.path] + files.map(\.path),
                                      timeout: 1200)
        guard prepared.status == 0 else { throw Failure(description: "prepare-image.sh failed:\n\(prepared.stderr.suffix(3000))") }
        let booted = try Subprocess.run(DebianPackageFiles.scripts.appendingPathComponent("boot.sh").path,
                                        [work.path, String(httpPort), String(radiusPort)], timeout: 60)
        guard booted.status == 0, let pid = Int32(booted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure(description: "boot.sh failed: \(booted.stderr)")
        }
        qemuPID = pid
        try waitForBoot()
    }

    deinit {
        if let qemuPID { kill(qemuPID, SIGKILL) }
        try? FileManager.default.removeItem(at: work)
    }

    /// Waits (a boot under software emulation takes minutes) until the guest agent answers.
    func waitForAgent(seconds: Int = 900) throws {
        let ping = try Subprocess.run(DebianPackageFiles.scripts.appendingPathComponent("qga.py").path,
                                      [work.appendingPathComponent("qga.sock").path, "ping", String(seconds)], timeout: TimeInterval(seconds + 30))
        guard ping.status == 0 else { throw Failure(description: "the guest agent never answered; console:\n\(console.suffix(3000))") }
    }

    /// Waits for the guest agent, then for systemd to finish starting the system (every unit of the boot started or
    /// failed): what the boot starts is then up.
    func waitForBoot() throws {
        try waitForAgent()
        let state = try run("systemctl is-system-running --wait", timeout: 600).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard state == "running" || state == "degraded" else {
            throw Failure(description: "systemd says the system is \(state); console:\n\(console.suffix(3000))")
        }
    }

    /// Runs `script` with /bin/sh as root in the guest.
    @discardableResult
    func run(_ script: String, timeout: Int = 300) throws -> ProcessResult {
        try Subprocess.run(DebianPackageFiles.scripts.appendingPathComponent("qga.py").path,
                           [work.appendingPathComponent("qga.sock").path, "exec", "--timeout", String(timeout), "--", "/bin/sh", "-c", script],
                           timeout: TimeInterval(timeout + 60))
    }

    /// `script`, which must succeed; its standard output.
    @discardableResult
    func output(_ script: String, timeout: Int = 300) throws -> String {
        let result = try run(script, timeout: timeout)
        guard result.status == 0 else {
            throw Failure(description: "`\(script)` exited \(result.status): \(result.stdout)\(result.stderr)")
        }
        return result.stdout
    }

    /// Writes `text` to `path` in the guest.
    func write(_ text: String, to path: String) throws {
        let written = try Subprocess.run(DebianPackageFiles.scripts.appendingPathComponent("qga.py").path,
                                         [work.appendingPathComponent("qga.sock").path, "write", path], input: text, timeout: 120)
        guard written.status == 0 else { throw Failure(description: "cannot write \(path) in the guest: \(written.stderr)") }
    }

    /// The guest's boot id: another one after a reboot.
    func bootID() throws -> String {
        try output("cat /proc/sys/kernel/random/boot_id").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Reboots the guest (QEMU restarts it) and waits for the new boot's agent.
    func reboot() throws {
        let before = try bootID()
        _ = try? run("systemctl reboot", timeout: 30)
        let deadline = Date().addingTimeInterval(900)
        while Date() < deadline {
            try waitForAgent()
            if let now = try? bootID(), now != before { return try waitForBoot() }
            Thread.sleep(forTimeInterval: 2)
        }
        throw Failure(description: "the guest did not come back from its reboot; console:\n\(console.suffix(3000))")
    }

    /// What the guest printed on its serial console.
    var console: String {
        (try? String(contentsOf: work.appendingPathComponent("serial.log"), encoding: .utf8)) ?? ""
    }

    /// A script run as root on this machine (chroot), through `sudo -n` unless this test already runs as root.
    private static func asRoot(_ script: String, _ arguments: [String], timeout: TimeInterval) throws -> ProcessResult {
        if getuid() == 0 { return try Subprocess.run(script, arguments, timeout: timeout) }
        return try Subprocess.run("/usr/bin/sudo", ["-n", script] + arguments, timeout: timeout)
    }
}
