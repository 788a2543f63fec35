import Verification

extension SQLiteTokenStore {
    /// Whether the store could take a decision now, beyond what a read shows: the file at its path is still the one
    /// opened (not deleted or replaced) and SQLite did not open it read-only. Runs on the writer thread in turn with
    /// the decisions; takes no lock and writes nothing. For `/healthz` and `serve`'s start.
    public func probeWrite() async throws(VerifierError) {
        try await database.writer.probe()
    }
}
