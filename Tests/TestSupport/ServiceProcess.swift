import Foundation
import Synchronization

/// A long-running child process (a server under test or a peer such as FreeRADIUS) whose standard output and error
/// are collected, so that a test can wait for the line that says it is ready (an event, not a sleep) and show what it
/// printed when something goes wrong. It is killed when the fixture is released, and by a watchdog if the test
/// process dies first.
public final class ServiceProcess: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private struct State {
        var output = ""
        var exitStatus: Int32?
        var waiters: [Waiter] = []
    }

    private struct Waiter {
        let id: UUID
        let isSatisfied: @Sendable (String) -> Bool
        let signal: DispatchSemaphore
    }

    /// The output kept for diagnostics: the newest characters, so that a chatty server cannot exhaust memory.
    private static let outputLimit = 4_000_000

    public let name: String
    public let processIdentifier: Int32
    private let process: Process
    private let shared = Shared()

    /// The state the reading thread, the termination handler and the waiters share (a class, so that the closures
    /// can hold it: a Mutex cannot be copied into them).
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    /// Starts `executable`; both of its output streams go to one pipe read by a thread of its own.
    public init(name: String, executable: String, arguments: [String], environment: [String: String] = [:],
                cleanupOnAbandon: String? = nil) throws {
        self.name = name
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        self.process = process
        let shared = self.shared
        process.terminationHandler = { finished in
            Self.update(shared) { $0.exitStatus = finished.terminationStatus }
        }
        try ProcessLaunch.run(process)
        processIdentifier = process.processIdentifier
        try? output.fileHandleForWriting.close()
        let reader = output.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                Self.update(shared) { current in
                    current.output += String(decoding: chunk, as: UTF8.self)
                    if current.output.utf8.count > Self.outputLimit {
                        current.output = String(current.output.suffix(Self.outputLimit / 2))
                    }
                }
            }
            try? reader.close()
        }
        // Only a process that still runs this executable is killed: its number may belong to another one by then.
        let own = "grep -qF -- '\(executable)' /proc/\(processIdentifier)/cmdline 2>/dev/null && kill -KILL \(processIdentifier)"
        CleanupWatchdog.start(afterThisProcess: "\(own); \(cleanupOnAbandon ?? "true")")
    }

    deinit { stop() }

    /// Everything it printed so far (the newest part, for a very chatty process).
    public var output: String { shared.state.withLock { $0.output } }

    /// Its exit status, once it has ended.
    public var exitStatus: Int32? { shared.state.withLock { $0.exitStatus } }

    /// Waits until its output has a line containing `text`, and returns that line. Fails when the process ends
    /// first or `timeout` passes, with the output in the error.
    @discardableResult
    public func waitForLine(containing text: String, timeout: TimeInterval = 30) throws -> String {
        let found = try wait(timeout: timeout, describing: "a line containing \"\(text)\"") { output in
            Self.completeLines(of: output).contains(text)
        }
        return String(Self.completeLines(of: found).split(separator: "\n").first { $0.contains(text) }!)
    }

    /// Waits until the process has ended (after `stop()` or by itself) and returns its status.
    @discardableResult
    public func waitForExit(timeout: TimeInterval = 30) throws -> Int32 {
        _ = try wait(timeout: timeout, describing: "its end", endingCounts: true) { _ in false }
        return exitStatus!
    }

    /// Kills it (SIGKILL) and waits for its end. Not SIGTERM: a child spawned from one of Dispatch's threads
    /// inherits their signal mask, which blocks SIGTERM (seen in /proc/PID/status), so it would never arrive; and a
    /// test's server keeps nothing that needs a graceful end.
    public func stop() {
        guard exitStatus == nil else { return }
        Glibc.kill(processIdentifier, SIGKILL)
        _ = try? waitForExit(timeout: 30)
    }

    private func wait(timeout: TimeInterval, describing what: String, endingCounts: Bool = false,
                      until isSatisfied: @escaping @Sendable (String) -> Bool) throws -> String {
        let signal = DispatchSemaphore(value: 0)
        let id = UUID()
        let immediate: String? = shared.state.withLock { current in
            if isSatisfied(current.output) || (endingCounts && current.exitStatus != nil) { return current.output }
            if current.exitStatus == nil {
                current.waiters.append(Waiter(id: id, isSatisfied: isSatisfied, signal: signal))
            }
            return nil
        }
        if let immediate { return immediate }
        if exitStatus == nil { _ = signal.wait(timeout: .now() + timeout) }
        let (output, status) = shared.state.withLock { current in
            current.waiters.removeAll { $0.id == id }
            return (current.output, current.exitStatus)
        }
        if isSatisfied(output) || (endingCounts && status != nil) { return output }
        let why = status.map { "it ended with status \($0)" } ?? "\(Int(timeout)) s passed"
        throw Failure(description: "\(name): waited for \(what), but \(why); it printed:\n\(output.suffix(6000))")
    }

    /// The output up to its last newline: a line still being written is not a line yet.
    private static func completeLines(of output: String) -> Substring {
        output[..<(output.lastIndex(of: "\n") ?? output.startIndex)]
    }

    /// Changes the state and wakes the waiters whose condition now holds (all of them once the process ended).
    private static func update(_ shared: Shared, _ change: (inout State) -> Void) {
        let woken: [DispatchSemaphore] = shared.state.withLock { current in
            change(&current)
            let ended = current.exitStatus != nil
            let ready = current.waiters.filter { ended || $0.isSatisfied(current.output) }
            current.waiters.removeAll { waiter in ready.contains { $0.id == waiter.id } }
            return ready.map(\.signal)
        }
        woken.forEach { $0.signal() }
    }
}
