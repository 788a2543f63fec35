import Foundation

/// A long-running child process (a server under test or a peer such as FreeRADIUS) whose standard output and error
/// are collected, so that a test can wait for the line that says it is ready (an event, not a sleep) and show what it
/// printed when something goes wrong. It is killed when the fixture is released, and by a watchdog if the test
/// process dies first.
public final class ServiceProcess: Sendable {
    public typealias Failure = ChildOutputReader.Failure

    public let name: String
    public let processIdentifier: Int32
    private let reader: ChildOutputReader

    /// Starts `executable`; both of its output streams go to one pipe, read by a `ChildOutputReader`.
    public init(name: String, executable: String, arguments: [String], environment: [String: String] = [:],
                cleanupOnAbandon: String? = nil) throws {
        self.name = name
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        reader = try ChildOutputReader(launching: process, name: name, streams: .standardOutputAndError)
        processIdentifier = process.processIdentifier
        // Only a process that still runs this executable is killed: its number may belong to another one by then.
        let own = "grep -qF -- '\(executable)' /proc/\(processIdentifier)/cmdline 2>/dev/null && kill -KILL \(processIdentifier)"
        CleanupWatchdog.start(afterThisProcess: "\(own); \(cleanupOnAbandon ?? "true")")
    }

    deinit { stop() }

    /// Everything it printed so far (the newest part, for a very chatty process).
    public var output: String { reader.output }

    /// Its exit status, once it has ended.
    public var exitStatus: Int32? { reader.ending?.status }

    /// Waits until its output has a line containing `text`, and returns that line. Fails when the process ends
    /// first or `timeout` passes, with the output in the error.
    @discardableResult
    public func waitForLine(containing text: String, timeout: TimeInterval = 30) throws -> String {
        try reader.waitForLine(containing: text, timeout: timeout)
    }

    /// Waits until the process has ended (after `stop()` or by itself) and returns its status.
    @discardableResult
    public func waitForExit(timeout: TimeInterval = 30) throws -> Int32 {
        try reader.waitForEnd(timeout: timeout).status
    }

    /// Kills it (SIGKILL) and waits for its end. Not SIGTERM: a child spawned from one of Dispatch's threads
    /// inherits their signal mask, which blocks SIGTERM (seen in /proc/PID/status), so it would never arrive; and a
    /// test's server keeps nothing that needs a graceful end.
    public func stop() {
        guard exitStatus == nil else { return }
        Glibc.kill(processIdentifier, SIGKILL)
        _ = try? waitForExit(timeout: 30)
    }
}
