import CUMockdev
import Foundation
import Synchronization

/// The read side of a character device of the testbed (a hidraw or evdev node): records (input reports, input events)
/// wait in a queue, and a client's `read()` takes them, blocking or not as the client opened the node.
///
/// umockdev hands a read to its handler without the descriptor's flags, so the handler cannot tell a blocking read from
/// an O_NONBLOCK one, and its nodes are regular files, which `poll()` always finds readable. So the node is a FIFO that
/// holds one byte exactly while records wait: the client's `poll()` and `select()` see that byte, and every read first
/// runs the client's own `read()` on the FIFO (`umockdev_ioctl_client_execute`), which waits for the byte or fails
/// with EAGAIN just as the client's flags say. Then the handler puts the records in the client's buffer. That wait
/// holds a thread of its own, never umockdev's worker, which serves every node.
final class ReadableNode: Sendable {
    /// How one read takes records from the queue into a buffer of `capacity` bytes; nil when the buffer cannot hold
    /// one (the read fails with EINVAL).
    typealias Packing = @Sendable (_ queue: inout [[UInt8]], _ capacity: Int) -> [UInt8]?

    private struct State {
        var records: [[UInt8]] = []
        /// The FIFO holds its byte.
        var signalled = false
        var gone = false
        /// Counts `interrupt()`s: a read blocked across one ends with EINTR.
        var interruptions = 0
    }

    let path: String
    private let fifo: Int32
    private let state = Mutex(State())
    private let packing: Packing
    /// The error of a read once the device is gone (hidraw: EIO, evdev: ENODEV, as the kernel answers).
    private let goneError: Int32
    /// The most records kept for a reader that does not read, as the kernel's per-reader buffers hold so many.
    private let capacity: Int

    /// Replaces the testbed's node file at `path` with a FIFO every user may open.
    init(path: String, capacity: Int, goneError: Int32, packing: @escaping Packing) throws(USBTestbed.Failure) {
        unlink(path)
        guard mkfifo(path, 0o666) == 0, chmod(path, 0o666) == 0 else {
            throw USBTestbed.Failure(description: "cannot make \(path) a FIFO: \(String(cString: strerror(errno)))")
        }
        let descriptor = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw USBTestbed.Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        fifo = descriptor
        self.capacity = capacity
        self.goneError = goneError
        self.packing = packing
    }

    deinit {
        close(fifo)
    }

    /// Queues records for the readers; the oldest go when the queue is full.
    func push(_ records: [[UInt8]]) {
        guard !records.isEmpty else { return }
        state.withLock { state in
            guard !state.gone else { return }
            state.records += records
            if state.records.count > capacity { state.records.removeFirst(state.records.count - capacity) }
            signal(&state)
        }
    }

    /// The device left: waiting readers wake and fail, and so does every later read.
    func markGone() {
        state.withLock { state in
            state.gone = true
            signal(&state)
        }
    }

    /// Ends every read blocked now with EINTR, as a signal ends a blocking read of a character device. A client
    /// blocked in a read has its signals held back by umockdev's preload until the read returns: the emulator calls
    /// this after passing a signal on, so the program sees it (Ctrl-C stops a program waiting for a key press).
    func interrupt() {
        state.withLock { state in
            state.interruptions += 1
            signal(&state)
        }
    }

    /// Answers a client's `read()` (umockdev's handle-read): returns at once; the client's read completes on a
    /// thread of its own once there is something to hand it, or an error.
    func read(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) {
        g_object_ref(client)
        let box = ClientReference(client: client)
        Thread.detachNewThread { [self] in
            let (result, error) = self.waitAndTake(box.client)
            umockdev_ioctl_client_complete(box.client, result, error)
            g_object_unref(box.client)
        }
    }

    private func waitAndTake(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) -> (Int, Int32) {
        let interruptions = state.withLock { $0.interruptions }
        while true {
            if state.withLock({ $0.gone }) { return (-1, goneError) }
            var clientError: Int32 = 0
            var failure: UnsafeMutablePointer<GError>?
            let read = umockdev_ioctl_client_execute(client, &clientError, &failure)
            if let failure {
                g_error_free(failure)
                return (-1, EIO)
            }
            if read < 0 { return (-1, clientError) }
            // The client's read took the byte: take records, and put the byte back when more wait.
            guard let arg = umockdev_ioctl_client_get_arg(client) else { return (-1, EFAULT) }
            let capacity = Int(arg.pointee.data_len)
            let taken = state.withLock { state -> Take in
                state.signalled = false
                if state.gone {
                    signal(&state)  // the next waiting reader wakes to its error too
                    return .fail(goneError)
                }
                if state.interruptions != interruptions {
                    if !state.records.isEmpty { signal(&state) }
                    return .fail(EINTR)
                }
                guard !state.records.isEmpty else { return .waitAgain }
                let packed = packing(&state.records, capacity)
                if !state.records.isEmpty { signal(&state) }
                return packed.map(Take.bytes) ?? .fail(EINVAL)
            }
            switch taken {
            case .waitAgain: continue  // nothing waited after all
            case .fail(let error): return (-1, error)
            case .bytes(let bytes):
                IoctlData.update(arg, offset: 0, bytes)
                return (bytes.count, 0)
            }
        }
    }

    /// What a woken read takes: records for the client's buffer, an error, or nothing yet.
    private enum Take {
        case bytes([UInt8])
        case fail(Int32)
        case waitAgain
    }

    /// Puts the byte into the FIFO unless it is there. Called with the lock held.
    private func signal(_ state: inout State) {
        guard !state.signalled else { return }
        var byte: UInt8 = 1
        state.signalled = Glibc.write(fifo, &byte, 1) == 1
    }
}

/// A umockdev client handed to the thread that completes its read. `@unchecked` because the compiler never takes a
/// raw pointer for `Sendable`; the reference is counted by GObject (taken before the thread starts, dropped after
/// the completion), and `umockdev_ioctl_client_execute` and `_complete` are documented thread-safe.
private struct ClientReference: @unchecked Sendable {
    let client: UnsafeMutablePointer<UMockdevIoctlClient>
}
