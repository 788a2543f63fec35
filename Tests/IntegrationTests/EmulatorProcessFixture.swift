import Foundation
import TestSupport
import Testing

/// `otpkit emulate` as a separate process on a free port, stopped (SIGTERM, then SIGKILL) when released.
final class EmulatorProcessFixture {
    let process = Process()
    let port: Int
    let stateFolder: URL
    /// The control channel's address when `--control` was given (its `control ADDRESS` line).
    private(set) var announcedControlAddress: String?
    private let output: ChildOutputReader
    private let input = Pipe()

    init(tokens: Int = 2, stateFolder: URL? = nil, firstSerial: Int = 10000001, extraArguments: [String] = []) throws {
        let folder = stateFolder ?? FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-it-\(UUID().uuidString)")
        self.stateFolder = folder
        process.executableURL = ProjectPaths.otpkit
        process.arguments = ["emulate", "--port", "0", "--tokens", String(tokens), "--state", folder.path,
                             "--first-serial", String(firstSerial)] + extraArguments
        process.standardInput = input
        process.standardError = FileHandle.standardError
        output = try ChildOutputReader(launching: process, name: "otpkit emulate")
        let listening = try output.waitForLine(startingWith: "listening on ", timeout: 20)
        port = try #require(Int(listening.split(separator: ":").last ?? ""))
        for _ in 0..<tokens { try output.waitForLine(startingWith: "usbip://", timeout: 20) }
        if extraArguments.contains("--control") {
            announcedControlAddress = String(try output.waitForLine(startingWith: "control ", timeout: 20).dropFirst("control ".count))
        }
    }

    var server: String { "usbip://127.0.0.1:\(port)" }

    /// Presses the button of the token at `busID` (a YubiKey's `slot`) through the emulator's standard input;
    /// returns what the token typed.
    func press(_ busID: String, slot: Int = 0) throws -> String {
        try input.fileHandleForWriting.write(contentsOf: Data("press \(busID) \(slot)\n".utf8))
        let prefix = "pressed \(busID) typed "
        return String(try output.waitForLine(startingWith: prefix, timeout: 10).dropFirst(prefix.count))
    }

    /// Plugs the token at `busID` in, or pulls it out, through the emulator's standard input; returns once the
    /// emulator said it did.
    func setPlugged(_ busID: String, _ plugged: Bool) throws {
        let word = plugged ? "plug" : "unplug", done = "\(plugged ? "plugged" : "unplugged") \(busID)"
        try input.fileHandleForWriting.write(contentsOf: Data("\(word) \(busID)\n".utf8))
        let answer = try output.waitForLine("\"\(done)\" or a refusal", timeout: 10) {
            $0 == done || $0.hasPrefix("error: ") || $0.hasPrefix("unknown command")
        }
        guard answer == done else { throw FixtureError.refused(answer) }
    }

    enum FixtureError: Error { case refused(String) }

    func device(_ index: Int) -> String { "\(server)/1-\(index)" }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        if (try? output.waitForEnd(timeout: 5)) == nil { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// Runs the built `otpkit` binary, with no device or PIN from the environment unless given.
func otpkit(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
    try Subprocess.run(ProjectPaths.otpkit.path, arguments, input: input,
                       environment: ["OTPKIT_DEVICE": "", "OTPKIT_PIN": ""].merging(environment) { $1 })
}

func otpkit(_ arguments: String..., input: String? = nil, environment: [String: String] = [:]) throws -> ProcessResult {
    try otpkit(arguments, input: input, environment: environment)
}
