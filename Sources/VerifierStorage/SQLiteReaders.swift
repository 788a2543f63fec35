import Foundation
import Verification

/// Threads of their own that read an SQLite file, each with its own connection. In WAL mode a reader sees the last
/// commit and never waits for the writer, so a read never queues behind a commit's fsync. Real `Thread`s: a read
/// blocks no task.
final class SQLiteReaders: Sendable {
    private typealias Job = @Sendable (SQLiteConnection) -> Void

    private let queue = StoreJobQueue<Job>(capacity: 8192)

    init(path: String, count: Int) throws(VerifierError) {
        for index in 0..<max(1, count) {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA query_only=1")
            let box = ConnectionBox(connection)
            let queue = self.queue
            let thread = Thread {
                Thread.current.name = "sqlite-reader-\(index)"
                while let jobs = queue.take(limit: 1) {
                    box.connection.withLock { connection in for job in jobs { job(connection) } }
                }
            }
            thread.start()
        }
    }

    /// The threads end once the reads queued are done.
    deinit { queue.close() }

    /// Runs `body` (statements that only read) on a reader thread.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws(VerifierError) -> T) async throws(VerifierError) -> T {
        let result: Result<T, VerifierError> = await withCheckedContinuation { continuation in
            let job: Job = { connection in continuation.resume(returning: Result { () throws(VerifierError) -> T in try body(connection) }) }
            if !queue.push([job]) { continuation.resume(returning: .failure(.unavailable("too many reads are waiting for the database"))) }
        }
        return try result.get()
    }
}
