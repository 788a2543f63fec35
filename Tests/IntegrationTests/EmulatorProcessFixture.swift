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
    private let output = Pipe()
    private let input = Pipe()

    init(tokens: Int = 2, stateFolder: URL? = nil, firstSerial: Int = 10000001, extraArguments: [String] = []) throws {
        let folder = stateFolder ?? FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-it-\(UUID().uuidString)")
        self.stateFolder = folder
        process.executableURL = ProjectPaths.otpkit
        process.arguments = ["emulate", "--port", "0", "--tokens", String(tokens), "--state", folder.path,
                             "--first-serial", String(firstSerial)] + extraArguments
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle.standardError
        try ProcessLaunch.run(process)
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        let wantsControl = extraArguments.contains("--control")
        while text.components(separatedBy: "\n").filter({ $0.hasPrefix("usbip://") }).count < tokens
                || (wantsControl && !text.components(separatedBy: "\n").dropLast().contains { $0.hasPrefix("control ") }) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty || Date() > deadline { throw FixtureError.notReady(text) }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let first = try #require(text.components(separatedBy: "\n").first { $0.hasPrefix("listening on ") })
        port = try #require(Int(first.split(separator: ":").last ?? ""))
        announcedControlAddress = text.components(separatedBy: "\n").first { $0.hasPrefix("control ") }.map { String($0.dropFirst(8)) }
    }

    enum FixtureError: Error { case notReady(String) }

    var server: String { "usbip://127.0.0.1:\(port)" }

    /// Presses the button of the token at `busID` (a YubiKey's `slot`) through the emulator's standard input;
    /// returns what the token typed.
    func press(_ busID: String, slot: Int = 0) throws -> String {
        input.fileHandleForWriting.write(Data("press \(busID) \(slot)\n".utf8))
        var text = ""
        let deadline = Date().addingTimeInterval(10)
        while !text.contains("pressed \(busID) typed ") || !text.hasSuffix("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty || Date() > deadline { throw FixtureError.notReady(text) }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let line = text.split(separator: "\n").last { $0.hasPrefix("pressed \(busID) typed ") } ?? ""
        return String(line.dropFirst("pressed \(busID) typed ".count))
    }
    func device(_ index: Int) -> String { "\(server)/1-\(index)" }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
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
