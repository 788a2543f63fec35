import Foundation
import Synchronization

/// The lines a child process writes (a server saying `listening on ...`, an emulator answering `pressed ...`), read
/// as they come by a thread of its own, so that a test waits for the line it needs (an event, not a sleep):
///
/// - a wait has a deadline that fires even while the child writes nothing;
/// - a wait ends at once when the child exits or closes its output, with what it printed in the error;
/// - a line counts once its newline arrived (or the end of file), however the bytes were split across reads;
/// - the pipe is drained all along, so a chatty child never blocks on a full pipe; the newest 4 MB are kept.
///
/// Each wait returns the first line that matches and that no earlier wait returned, so a test that asks twice for
/// `pressed 1-1 ...` gets the answer to each request in turn. The waits block the calling thread: they serve
/// synchronous tests and fixtures.
public final class ChildOutputReader: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Which of the child's streams the reader gets (the others stay as the caller set them).
    public enum Streams: Sendable {
        case standardOutput
        case standardOutputAndError
    }

    /// How the child ended.
    public struct Ending: Sendable, Equatable {
        public let status: Int32
        public let reason: Process.TerminationReason
    }

    /// The name used in failure messages.
    public let name: String
    private let shared: Shared

    /// Launches `process` (through `ProcessLaunch`) with `streams` going to a pipe this reader reads. The reader
    /// watches the child's end through a pidfd (so a grandchild that keeps the pipe open does not hide it) and takes
    /// `process.terminationHandler` as a second source. Standard input and anything else stay as the caller set them.
    public init(launching process: Process, name: String, streams: Streams = .standardOutput) throws {
        self.name = name
        let output = Pipe()
        process.standardOutput = output
        if streams == .standardOutputAndError { process.standardError = output }
        var wake: [Int32] = [-1, -1]
        guard pipe(&wake) == 0 else { throw Failure(description: "\(name): cannot create a pipe: errno \(errno)") }
        for descriptor in wake { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(wake[1], F_SETFL, O_NONBLOCK)
        let shared = Shared(wakeReader: wake[0], wakeWriter: wake[1])
        self.shared = shared
        process.terminationHandler = { ended in
            shared.childEnded(Ending(status: ended.terminationStatus, reason: ended.terminationReason))
        }
        do {
            try ProcessLaunch.run(process)
        } catch {
            shared.abandon()
            try? output.fileHandleForReading.close()
            Self.closeWakePipe(shared)
            throw error
        }
        // Process.run closed our copy of the pipe's writing end: the end of file comes when the child's copies close.
        let reader = output.fileHandleForReading
        let child = (id: process.processIdentifier, descriptor: Self.openProcessDescriptor(process.processIdentifier))
        Thread.detachNewThread { Self.read(reader, child: child, into: shared) }
    }

    deinit { shared.abandon() }

    /// Everything the child printed so far (the newest 4 MB for a very chatty one), an unfinished last line included.
    public var output: String {
        shared.state.withLock { state in
            state.lines.map { $0 + "\n" }.joined() + String(decoding: state.partial, as: UTF8.self)
        }
    }

    /// How the child ended, once it has and what it wrote before was read.
    public var ending: Ending? { shared.state.withLock { $0.ending } }

    /// Waits for a line that `matches` (described as `what` in the error) and returns it. Throws when the child exits
    /// or closes its output first, or when `timeout` seconds pass, with what it printed.
    @discardableResult
    public func waitForLine(_ what: String, timeout: TimeInterval = 30,
                            where matches: (String) -> Bool) throws(Failure) -> String {
        var scanned = 0
        return try wait(for: what, timeout: timeout) { state, _ -> String? in
            for number in max(scanned, state.firstLineNumber)..<state.nextLineNumber where !state.returned.contains(number) {
                let line = state.lines[number - state.firstLineNumber]
                if matches(line) {
                    state.returned.insert(number)
                    return line
                }
            }
            scanned = state.nextLineNumber
            return nil
        }
    }

    /// Waits for a line that contains `text`.
    @discardableResult
    public func waitForLine(containing text: String, timeout: TimeInterval = 30) throws(Failure) -> String {
        try waitForLine("a line containing \"\(text)\"", timeout: timeout) { $0.contains(text) }
    }

    /// Waits for a line that starts with `prefix`.
    @discardableResult
    public func waitForLine(startingWith prefix: String, timeout: TimeInterval = 30) throws(Failure) -> String {
        try waitForLine("a line starting with \"\(prefix)\"", timeout: timeout) { $0.hasPrefix(prefix) }
    }

    /// Waits until the child has ended, and its output up to then was read.
    @discardableResult
    public func waitForEnd(timeout: TimeInterval = 30) throws(Failure) -> Ending {
        try wait(for: "its end", timeout: timeout, endsWhenClosed: false) { _, ending in ending }
    }

    /// Waits until `check` returns a value (given the state and the ending), the child ends or closes its output
    /// (unless `endsWhenClosed` is false: then only its end counts), or `timeout` passes.
    private func wait<Value: Sendable>(for what: String, timeout: TimeInterval, endsWhenClosed: Bool = true,
                                       until check: (inout State, Ending?) -> Value?) throws(Failure) -> Value {
        let deadline = DispatchTime.now() + timeout
        let signal = DispatchSemaphore(value: 0)
        let id = UUID()
        defer { shared.state.withLock { _ = $0.waiters.removeValue(forKey: id) } }
        while true {
            var wakeAt = deadline
            let outcome: Result<Value, Failure>? = shared.state.withLock { state in
                let ending = state.ending
                if let value = check(&state, ending) { return .success(value) }
                let now = DispatchTime.now()
                var why: String?
                if let ending {
                    why = ending.reason == .exit ? "it exited with status \(ending.status)" : "signal \(ending.status) ended it"
                } else if endsWhenClosed, let closedAt = state.closedAt {
                    // A closed output mostly means an exit: a moment for its status, to say how the child ended.
                    let grace = closedAt + Self.exitGrace
                    if now >= grace || now >= deadline { why = "it closed its output" } else { wakeAt = min(grace, deadline) }
                } else if now >= deadline {
                    why = "\(timeout) s passed"
                }
                if let why {
                    let printed = state.lines.suffix(200).joined(separator: "\n") + "\n" + String(decoding: state.partial, as: UTF8.self)
                    return .failure(Failure(description: "\(name): waited for \(what), but \(why); it printed:\n\(printed.suffix(6000))"))
                }
                state.waiters[id] = signal
                return nil
            }
            if let outcome { return try outcome.get() }
            _ = signal.wait(timeout: wakeAt)
        }
    }

    /// How long a wait that the end of file ended waits for the child's exit status.
    private static let exitGrace = 1.0

    /// What the reading thread, the termination handler and the waiters share.
    private struct State {
        /// Complete lines, without their newline; the oldest are dropped past `keptLimit` bytes.
        var lines: [String] = []
        /// The number (from 0, over the whole run) of `lines[0]`.
        var firstLineNumber = 0
        var nextLineNumber: Int { firstLineNumber + lines.count }
        var keptBytes = 0
        /// The bytes after the last newline.
        var partial: [UInt8] = []
        /// The numbers of the lines a wait returned.
        var returned: Set<Int> = []
        /// The child's end, published once what it wrote before was read.
        var ending: Ending?
        /// The child's end as the pidfd or the termination handler told it, until the reading thread publishes it.
        var reportedEnding: Ending?
        /// When the end of file was read.
        var closedAt: DispatchTime?
        var closed: Bool { closedAt != nil }
        /// The reader was released: the thread stops.
        var abandoned = false
        var wakePipeOpen = true
        var waiters: [UUID: DispatchSemaphore] = [:]

        static let keptLimit = 4_000_000
        static let partialLimit = 1_000_000

        mutating func append(_ bytes: some Collection<UInt8>) {
            partial.append(contentsOf: bytes)
            var start = partial.startIndex
            while let newline = partial[start...].firstIndex(of: UInt8(ascii: "\n")) {
                add(String(decoding: partial[start..<newline], as: UTF8.self))
                start = newline + 1
            }
            partial.removeSubrange(..<start)
            if partial.count > Self.partialLimit {
                add(String(decoding: partial, as: UTF8.self))
                partial = []
            }
        }

        mutating func add(_ line: String) {
            lines.append(line)
            keptBytes += line.utf8.count + 1
            guard keptBytes > Self.keptLimit else { return }
            while keptBytes > Self.keptLimit / 2, !lines.isEmpty {
                keptBytes -= lines.removeFirst().utf8.count + 1
                returned.remove(firstLineNumber)
                firstLineNumber += 1
            }
        }

        /// Wakes every waiter: each checks again whether what it waits for came.
        func wakeWaiters() { waiters.values.forEach { $0.signal() } }
    }

    private final class Shared: Sendable {
        let state = Mutex(State())
        let wakeReader: Int32
        let wakeWriter: Int32

        init(wakeReader: Int32, wakeWriter: Int32) {
            self.wakeReader = wakeReader
            self.wakeWriter = wakeWriter
        }

        /// From the termination handler: the reading thread first reads what is left in the pipe, then publishes it.
        func childEnded(_ ending: Ending) {
            state.withLock { state in
                if state.closed {
                    state.ending = ending
                    state.wakeWaiters()
                } else {
                    state.reportedEnding = ending
                    nudge(&state)
                }
            }
        }

        func abandon() {
            state.withLock { state in
                state.abandoned = true
                nudge(&state)
            }
        }

        /// A byte on the wake pipe rouses the reading thread from poll(2). Only while the pipe is open: its numbers
        /// may belong to another file once the thread closed it.
        private func nudge(_ state: inout State) {
            guard state.wakePipeOpen else { return }
            var byte: UInt8 = 1
            _ = Glibc.write(wakeWriter, &byte, 1)
        }
    }

    /// A pidfd of the child (-1 if the kernel or C library has none): readable once the child exited, even while a
    /// grandchild holds its output open. Foundation does not tell that exit then: its termination handler waits for
    /// a socket the grandchild inherited, too.
    private static func openProcessDescriptor(_ id: Int32) -> Int32 {
        typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32
        // glibc 2.36 has pidfd_open, but Swift's Glibc module does not import <sys/pidfd.h>.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pidfd_open") else { return -1 }
        let descriptor = unsafeBitCast(symbol, to: PidfdOpen.self)(id, 0)
        if descriptor >= 0 { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return descriptor
    }

    /// How the child ended, read without reaping it (Foundation reaps it): nil while it runs or once reaped.
    private static func ending(of id: Int32) -> Ending? {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(id), &info, WEXITED | WNOWAIT | WNOHANG) == 0, info._sifields._sigchld.si_pid == id else { return nil }
        let exited = info.si_code == 1  // CLD_EXITED; otherwise CLD_KILLED or CLD_DUMPED
        return Ending(status: info._sifields._sigchld.si_status, reason: exited ? .exit : .uncaughtSignal)
    }

    /// The reading thread: the child's output, its end and the wake pipe, until the end of file or the reader's release.
    private static func read(_ handle: FileHandle, child: (id: Int32, descriptor: Int32), into shared: Shared) {
        let output = handle.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 65_536)
        /// Reads one chunk: false at the end of file (or a read error, which ends the output all the same).
        func readChunk() -> Bool {
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(output, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                shared.state.withLock { state in
                    state.append(buffer[..<count])
                    state.wakeWaiters()
                }
                return true
            }
        }
        func isReadable(_ descriptor: Int32, timeout: Int32) -> Bool {
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            return poll(&entry, 1, timeout) == 1
        }
        var watchedChild = child.descriptor
        reading: while true {
            var entries = [pollfd(fd: output, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: shared.wakeReader, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: watchedChild, events: Int16(POLLIN), revents: 0)]
            guard poll(&entries, 3, -1) > 0 else {
                if errno == EINTR { continue }
                break reading
            }
            if entries[0].revents != 0 {
                if !readChunk() { break reading }
                continue
            }
            if entries[1].revents != 0 {
                var drained = [UInt8](repeating: 0, count: 64)
                _ = Glibc.read(shared.wakeReader, &drained, drained.count)
                if shared.state.withLock({ $0.abandoned }) { break reading }
            }
            if entries[2].revents != 0 {
                watchedChild = -1
                if let ending = Self.ending(of: child.id) {
                    shared.state.withLock { state in if state.reportedEnding == nil { state.reportedEnding = ending } }
                }
            }
            guard shared.state.withLock({ $0.ending == nil && $0.reportedEnding != nil }) else { continue }
            // The child ended: what it wrote before is in the pipe now. Read it all, then tell the waiters; go on
            // reading afterwards, for a grandchild that kept the pipe open.
            var open = true
            while open && isReadable(output, timeout: 0) { open = readChunk() }
            shared.state.withLock { state in
                state.ending = state.reportedEnding
                state.wakeWaiters()
            }
            if !open { break reading }
        }
        if child.descriptor >= 0 { close(child.descriptor) }
        shared.state.withLock { state in
            state.closedAt = .now()
            if !state.partial.isEmpty {
                state.add(String(decoding: state.partial, as: UTF8.self))
                state.partial = []
            }
            if state.ending == nil, let reported = state.reportedEnding { state.ending = reported }
            state.wakeWaiters()
        }
        try? handle.close()
        closeWakePipe(shared)
    }

    private static func closeWakePipe(_ shared: Shared) {
        shared.state.withLock { state in
            guard state.wakePipeOpen else { return }
            state.wakePipeOpen = false
            close(shared.wakeReader)
            close(shared.wakeWriter)
        }
    }
}
