import Verification

extension SQLiteTokenStore {
    /// Whether the store can take a decision now, beyond what a read shows: the file at its path is still the one
    /// opened (not deleted or replaced), it is not read-only, and the write lock can be had. Runs on the writer
    /// thread in turn with the decisions; writes nothing, so it costs no fsync. For `/healthz` and `serve`'s start.
    public func probeWrite() async throws(VerifierError) {
        try await database.writer.probe()
    }
}
