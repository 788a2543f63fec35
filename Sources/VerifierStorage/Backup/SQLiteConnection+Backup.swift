import CSQLite
import Foundation
import Verification

extension SQLiteConnection {
    /// Copies this connection's database, page for page, over `destination`'s, with SQLite's online backup API in one
    /// step: one read transaction on this side (in WAL mode a snapshot that writers in other processes never wait
    /// for, and that never restarts the copy as a copy in several steps would under a steady stream of writes), one
    /// write transaction on the other, committed whole or not at all. A lock held elsewhere is waited for up to
    /// 10 s.
    func copy(over destination: SQLiteConnection) throws(VerifierError) {
        guard let backup = sqlite3_backup_init(destination.handle, "main", handle, "main") else {
            throw .storage("cannot copy \(path) to \(destination.path): \(destination.lastError)")
        }
        let deadline = ContinuousClock.now + .seconds(10)
        var status = sqlite3_backup_step(backup, -1)
        while status == SQLITE_BUSY || status == SQLITE_LOCKED, ContinuousClock.now < deadline {
            usleep(10_000)
            status = sqlite3_backup_step(backup, -1)
        }
        let finished = sqlite3_backup_finish(backup)
        guard status == SQLITE_DONE, finished == SQLITE_OK else {
            throw .storage("cannot copy \(path) to \(destination.path): \(String(cString: sqlite3_errstr(status == SQLITE_DONE ? finished : status)))")
        }
    }

    /// The first column of the first row of `sql` as an integer (0 when there is no row).
    func integer(_ sql: String) throws(VerifierError) -> Int64 {
        let query = try prepare(sql)
        query.bind([])
        return try query.step() ? query.integer(0) : 0
    }

    /// `PRAGMA quick_check`: throws unless SQLite finds the file whole.
    func checkWhole() throws(VerifierError) {
        let query = try prepare("PRAGMA quick_check")
        query.bind([])
        guard try query.step(), query.text(0) == "ok" else { throw .storage("\(path) is damaged: \(query.text(0))") }
    }
}
