import Dispatch
import Synchronization

/// Where the server's decisions run: serial dispatch queues of its own (each with a thread of its own when busy),
/// not Swift's cooperative pool. A process whose cooperative threads are all busy or blocked (heavy HTTP traffic, a
/// test runner calling blocking code) still answers RADIUS before the NAS gives up and retransmits; a decision that
/// awaits (the store, on a thread pool) resumes here too.
final class RADIUSDecisionExecutor: TaskExecutor {
    private let queues: [DispatchQueue]
    private let next = Atomic<Int>(0)

    init(width: Int) {
        queues = (0..<max(1, width)).map { DispatchQueue(label: "otpkit.radius.decisions.\($0)") }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue % queues.count
        let executor = asUnownedTaskExecutor()
        queues[index].async { job.runSynchronously(on: executor) }
    }
}
