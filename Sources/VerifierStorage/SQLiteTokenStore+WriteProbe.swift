import Verification

extension SQLiteTokenStore {
    /// Whether the store could take a decision now, beyond what a read shows: the file at its path is still the one
    /// opened (not deleted or replaced) and SQLite did not open it read-only. A `stat` of the path: no turn on the
    /// writer thread, no lock, no write. For `/healthz`, Status-Server and `serve`'s start.
    public func probeWrite() throws(VerifierError) {
        try database.writer.probe()
    }
}
