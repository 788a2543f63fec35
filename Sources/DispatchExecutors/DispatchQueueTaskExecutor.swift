import Dispatch
import Synchronization

/// A task executor of serial dispatch queues (each a thread of its own when busy), not Swift's cooperative pool.
///
/// Work that must go on when the cooperative threads are all busy or blocked (heavy HTTP traffic, a test runner
/// calling blocking code) runs here: the RADIUS server's decisions, which must answer before the NAS retransmits, and
/// the PostgreSQL client's pool and leases, whose acquire timeout would otherwise fire for want of a thread.
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
