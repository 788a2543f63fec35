import OTPCore

/// The committed seeds of a journal as they opened: those that did, and the records and lines that did not, so that
/// one damaged record costs its own seed and not the whole export.
public struct CommittedSeeds: Sendable {
    /// A committed record whose sealed seed did not open; `reason` never holds secret material.
    public struct Unopened: Sendable, Equatable {
        /// The committed record.
        public let record: SeedJournal.Record
        /// Why its seed did not open (another key, damage).
        public let reason: String
    }

    /// The seeds that opened, in journal order: what a verifier receives.
    public var seeds: [SeedRecord]
    /// Committed records whose seed did not open.
    public var unopened: [Unopened]
    /// Lines of the journal that are not entries: they may have held a committed seed.
    public var damagedLines: [Int]

    /// Every committed seed opened and no line was damaged.
    public var isComplete: Bool { unopened.isEmpty && damagedLines.isEmpty }

    /// One line per seed that could not be exported, for the operator.
    public var problems: [String] {
        unopened.map { "\($0.record.serial)\($0.record.slot.map { " slot \($0)" } ?? "") (record \($0.record.id)): \($0.reason)" }
            + damagedLines.map { "line \($0) of the journal is not a journal entry" }
    }
}
