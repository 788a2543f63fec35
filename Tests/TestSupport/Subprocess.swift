import Foundation
import Synchronization

/// Runs a program to completion and captures what it printed.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum Subprocess {
    public struct TimedOut: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `executable` with `arguments` to completion; `input` goes to its standard input. A child still running
    /// after `timeout` seconds is killed, with what it started, and `TimedOut` thrown: a peer that hangs (a client
    /// waiting for a server that never answers) fails its test instead of stopping the suite. The default is far above
    /// any tool's run here; a debootstrap or a guest's boot passes its own. A child that exits without reading its
    /// input is no error.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], input: String? = nil,
                           environment: [String: String]? = nil, timeout: TimeInterval = 600) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try ProcessLaunch.run(process)
        let collected = Mutex((out: Data(), err: Data()))
        let readers = DispatchGroup()
        for (pipe, isError) in [(out, false), (err, true)] {
            let handle = pipe.fileHandleForReading
            readers.enter()
            DispatchQueue.global().async {
                let data = handle.readDataToEndOfFile()
                collected.withLock { if isError { $0.err = data } else { $0.out = data } }
                readers.leave()
            }
        }
        // A child that ends before reading its input must cost a failed write, not the test process (SIGPIPE).
        signal(SIGPIPE, SIG_IGN)
        if let input { try? inPipe.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        let finished = ended.wait(timeout: .now() + timeout) == .success
        if !finished {
            ProcessTree.kill(process.processIdentifier)
            ended.wait()
        }
        // What the child started and left running may hold its pipes open: after a timeout, its output so far.
        let read = readers.wait(timeout: finished ? .distantFuture : .now() + 10) == .success
        // Foundation does not close a Pipe's descriptors when the child ends: a thousand runs would leave thousands
        // open, and past about 1,300 `Process.run()` itself crashes (it over-reads its /proc/self/fd listing,
        // swift-corelibs-foundation PR 5472).
        // (Read ends still being read stay open: closed, their numbers could be reused under the readers.)
        for pipe in [out, err, inPipe] {
            if read { try? pipe.fileHandleForReading.close() }
            try? pipe.fileHandleForWriting.close()
        }
        let (stdout, stderr) = collected.withLock { (String(decoding: $0.out, as: UTF8.self), String(decoding: $0.err, as: UTF8.self)) }
        guard finished else {
            let printed = read ? "it printed:\n\(stdout)\(stderr)" : "a process it started outside its tree still holds its output"
            throw TimedOut(description: "\(executable) did not end within \(Int(timeout)) s (killed with what it started); \(printed)")
        }
        return ProcessResult(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// The absolute path of `name` on PATH (or the usual system folders), or nil.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
