import Foundation

/// Another command of this otpkit binary run as a child process (for the demo): started, read until it says it is
/// ready, stopped with SIGTERM.
final class OwnCommandProcess: Sendable {
    let process: Process
    /// What it printed until it was ready, line by line.
    let lines: [String]

    /// Starts `otpkit ARGUMENTS` and reads its standard output until `ready` holds for the lines so far.
    init(_ arguments: [String], name: String, until ready: ([String]) -> Bool) throws {
        process = Process()
        process.executableURL = Self.ownExecutable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var lines: [String] = []
        var buffer = Data()
        let reader = output.fileHandleForReading
        while !ready(lines) {
            let chunk = reader.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                throw CLIFailure("\(name) exited before it was ready (status \(process.terminationStatus))", code: .unreachable)
            }
            buffer += chunk
            while let newline = buffer.firstIndex(of: 0x0A) {
                lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                buffer = buffer[(newline + 1)...]
            }
        }
        self.lines = lines
    }

    /// This otpkit binary, to run its other commands as child processes.
    static var ownExecutable: URL { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
