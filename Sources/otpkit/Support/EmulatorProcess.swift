import Foundation

/// `otpkit emulate` run as a child process, for the demo: started on a free port, stopped with SIGTERM.
final class EmulatorProcess {
    let process: Process
    let listenAddress: String
    let tokenAddresses: [String]

    private init(process: Process, listenAddress: String, tokenAddresses: [String]) {
        self.process = process
        self.listenAddress = listenAddress
        self.tokenAddresses = tokenAddresses
    }

    /// Starts `otpkit emulate` with `arguments` and waits until it has printed its address and `tokens` token lines.
    static func start(arguments: [String], tokens: Int = 2) throws -> EmulatorProcess {
        let process = Process()
        process.executableURL = Self.ownExecutable
        process.arguments = ["emulate"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var lines: [String] = []
        var buffer = Data()
        let reader = output.fileHandleForReading
        // Read until the emulator has printed its address and one line per token.
        while !(lines.first?.hasPrefix("listening on ") == true && lines.filter({ $0.hasPrefix("usbip://") }).count >= tokens) {
            let chunk = reader.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                throw CLIFailure("the emulator exited before it was ready (status \(process.terminationStatus))", code: .unreachable)
            }
            buffer += chunk
            while let newline = buffer.firstIndex(of: 0x0A) {
                lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                buffer = buffer[(newline + 1)...]
            }
        }
        let tokens = lines.filter { $0.hasPrefix("usbip://") }.map { String($0.split(separator: " ")[0]) }
        return EmulatorProcess(process: process, listenAddress: String(lines[0].dropFirst("listening on ".count)),
                               tokenAddresses: tokens)
    }

    /// This otpkit binary, to run its other commands as child processes.
    static var ownExecutable: URL { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
