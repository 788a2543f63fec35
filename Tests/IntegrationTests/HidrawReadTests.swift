import Foundation
import TestSupport
import Testing

/// Reads of input reports from the emulated YubiKey's /dev/hidrawN behave as the kernel's hidraw (and a write of an
/// output report, its LEDs, is taken): nothing queued
/// fails an O_NONBLOCK read with EAGAIN and lets select() time out; a press's keyboard reports arrive one per blocking
/// read; pulling the device out ends a blocked read with EIO and takes its nodes away, plugging it back brings them.
@Suite(.serialized) struct HidrawReadTests {
    static let script = ProjectPaths.root.appendingPathComponent("Tests/HIDAPI/hidraw_reads.py").path

    @Test func blockingNonblockingSelectAndUnplug() async throws {
        try await runBlocking {
            let bridge = try UMockdevLibUSBTests.Bridge(firstSerial: 5_150_515, extraArguments: ["--token", "yubikey"])
            let program = try bridge.otpkit("program", "--secret", "3132333435363738393031323334353637383930", "--slot", "1", "--append-enter")
            try #require(program.status == 0, "\(program.stdout)\(program.stderr)")

            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [Self.script, "/dev/hidraw0"]
            process.environment = ProcessInfo.processInfo.environment.merging(bridge.environment) { $1 }
            process.standardError = FileHandle.standardError
            let reader = try ChildOutputReader(launching: process, name: "hidraw_reads.py")
            defer { if process.isRunning { process.terminate() }; process.waitUntilExit() }
            #expect(try reader.waitForLine(startingWith: "nonblocking ") == "nonblocking EAGAIN")
            #expect(try reader.waitForLine(startingWith: "write ") == "write 2", "an output report (the LEDs) is taken")
            #expect(try reader.waitForLine(startingWith: "select ") == "select timeout")
            _ = try reader.waitForLine(startingWith: "waiting")

            let typed = try bridge.press("1-1", slot: 1)
            let reports = try reader.waitForLine(startingWith: "reports ").dropFirst("reports ".count).split(separator: " ").map { Array(hexBytes: String($0)) }
            #expect(reports.allSatisfy { $0.count == 8 }, "\(reports)")
            let pressed = reports.compactMap { $0[2] == 0 ? nil : $0[2] }
            #expect(pressed.count == typed.count + 1 && pressed.last == 0x28, "every character and Enter: \(reports)")

            _ = try reader.waitForLine(startingWith: "waiting for unplug")
            let client = try LineClient(path: bridge.controlPath)
            client.send("{\"unplug\": \"1-1\"}\n")
            #expect(client.readLine() != nil)
            #expect(try reader.waitForLine(startingWith: "gone ") == "gone EIO", "a blocked read ends when the device goes")
            let nodes = ["/dev/hidraw0", "/dev/input/event0", "/sys/class/hidraw/hidraw0", "/sys/class/input/event0"]
            for node in nodes { #expect(try bridge.run("/usr/bin/test", ["-e", node]).status != 0, "\(node) left with the device") }
            client.send("{\"plug\": \"1-1\"}\n")
            #expect(client.readLine() != nil)
            for node in nodes { #expect(try bridge.run("/usr/bin/test", ["-e", node]).status == 0, "\(node) came back with the device") }
            let hidCheck = try HIDAPITests.build(backend: "hidraw")
            defer { try? FileManager.default.removeItem(atPath: hidCheck) }
            let listed = try bridge.run(hidCheck, ["list"])
            #expect(listed.stdout.hasPrefix("1050:0010 interface=0"), "hidapi finds the key again: \(listed.stdout)\(listed.stderr)")
        }
    }
}

private extension Array where Element == UInt8 {
    init(hexBytes text: String) {
        let digits = Array(text.utf8)
        self = stride(from: 0, to: digits.count - 1, by: 2).compactMap { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16) }
    }
}
