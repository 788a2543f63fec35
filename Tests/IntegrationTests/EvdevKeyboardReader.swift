import Foundation
import TestSupport
import Testing

/// A desktop's view of the emulated YubiKey: Tests/Evdev/typed_keys.py (python3-evdev) under `otpkit emulate --`
/// finds the evdev keyboard and reads what a press types as key events.
enum EvdevKeyboardReader {
    static let script = ProjectPaths.root.appendingPathComponent("Tests/Evdev/typed_keys.py").path

    /// Presses `slot` through the control channel while the reader waits; returns what the reader saw typed
    /// (Enter as "\n"), after checking the control channel reported the same code.
    static func press(_ user: UnprivilegedEmulator, slot: Int) throws -> String {
        let control = "/tmp/otpkit-evdev-\(UUID().uuidString.prefix(8)).sock"
        let (executable, arguments) = user.commandLine(["/usr/bin/python3", script], control: control)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardError = FileHandle.standardError
        let output = try ChildOutputReader(launching: process, name: "emulate -- typed_keys.py")
        defer { if process.isRunning { process.terminate() }; process.waitUntilExit() }
        let ready = try output.waitForLine(startingWith: "ready ")
        #expect(ready.hasPrefix("ready Yubico_Yubikey /dev/input/event"), "\(ready)")
        let client = try LineClient(path: control)
        client.send("{\"press\": \"1-1\", \"slot\": \(slot)}\n")
        let reply = try #require(client.readLine(), "no answer from the control channel")
        let typed = try output.waitForLine(startingWith: "typed ").dropFirst("typed ".count)
        let answer = try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any]
        #expect(answer?["typed"] as? String == String(typed), "the control channel reports what was typed: \(reply)")
        #expect(try output.waitForEnd().status == 0, "\(output.output)")
        return typed + "\n"
    }
}
