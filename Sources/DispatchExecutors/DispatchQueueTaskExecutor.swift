import Dispatch
import Synchronization

/// A task executor of serial dispatch queues (each a thread of its own when busy), not Swift's cooperative pool.
///
/// The one place otpkit keeps it: the RADIUS server's decisions (`RADIUSServer`). They are CPU-bound (a PIN's
/// PBKDF2, a window of HMACs) and must answer before the NAS retransmits, even while heavy HTTP traffic keeps every
/// cooperative thread busy. Blocking I/O never runs on it: that has serial homes of its own (`SerialQueueExecutor`).
public final class DispatchQueueTaskExecutor: TaskExecutor {
    private let queues: [DispatchQueue]
    private let next = Atomic<Int>(0)

    public init(label: String, width: Int) {
        queues = (0..<max(1, width)).map { DispatchQueue(label: "\(label).\($0)") }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue % queues.count
        let executor = asUnownedTaskExecutor()
        queues[index].async { job.runSynchronously(on: executor) }
    }
}
