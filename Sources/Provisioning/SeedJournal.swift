import Foundation
import MasterKeys
import OTPCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The provisioning journal: before a secret goes to a token its sealed record is appended and synced ("intent");
/// after the token confirms, a "committed" line follows; a refusal adds "failed". After a crash or an unplug at any
/// moment the journal says which tokens are done, which are uncertain (an intent without an outcome: the token may
/// or may not hold the secret) and which failed, and no seed is lost.
///
/// One JSON object a line, appended with O_APPEND and fdatasync (which also flushes the new file size, all an append
/// needs); a line torn by a crash is cut off when the journal is opened again (see `SeedJournalContents`). Secrets are sealed (AES-256-GCM, bound to the record id) under the journal's master key, and
/// carried with a keyed fingerprint so that a repeated secret is refused without opening any.
///
/// Safe to share between tasks: one append at a time, in a lock. Appends block for their fsync, so async code calls
/// them from a queue of its own (a `ProvisioningBatch` does), never from a cooperative thread.
public final class SeedJournal: Sendable {
    /// One line of the journal, as written: an intent (with the sealed seed), or a record's outcome.
    public struct Entry: Codable, Equatable, Sendable {
        /// An intent before the token is written; committed or failed after.
        public enum Kind: String, Codable, Sendable { case intent, committed, failed }

        /// What the line says.
        public var kind: Kind
        /// The record it belongs to (a UUID; the sealed seed is bound to it).
        public var id: String
        /// When it was written.
        public var time: Date
        /// The token's serial (intents only).
        public var serial: String?
        /// The token's family, as seed records name it (intents only).
        public var family: String?
        /// The slot programmed (intents only).
        public var slot: Int?
        /// The seed's HMAC (intents only).
        public var algorithm: OTPAlgorithm?
        /// The seed's code length (intents only).
        public var digits: Int?
        /// The counter the verifier should expect next (intents only).
        public var counter: UInt64?
        /// A TOTP seed's period (intents only).
        public var period: Int?
        /// The master key that sealed the secret (intents only).
        public var keyID: String?
        /// The secret sealed under that key (AES-256-GCM, base64; intents only).
        public var sealed: String?
        /// A keyed fingerprint of the secret, for refusing a repeat without opening any (intents only).
        public var fingerprint: String?
        /// Why the record failed (failed lines only); never secret material.
        public var reason: String?
    }

    /// Where a record stands.
    public enum State: String, Sendable, Codable { case committed, uncertain, failed }

    /// One token's record: its intent and the last outcome written for it.
    public struct Record: Sendable, Equatable {
        /// The record id.
        public let id: String
        /// The token's serial.
        public let serial: String
        /// The token's family.
        public let family: String?
        /// The slot programmed.
        public let slot: Int?
        /// Committed, failed, or uncertain (an intent without an outcome).
        public let state: State
        /// Why it failed, when it did.
        public let reason: String?
    }

    /// Why the journal refused or could not be written; never holds a secret.
    public enum JournalError: Error, Equatable, CustomStringConvertible {
        case unreadable(String)
        case unwritable(String)
        case duplicateSecret
        case alreadyCommitted(serial: String, slot: Int?)
        case unknownRecord(String)
        case sealing(String)
        case unopenable(String)

        public var description: String {
            switch self {
            case .unreadable(let detail): "cannot read the journal: \(detail)"
            case .unwritable(let detail): "cannot write the journal (nothing was programmed): \(detail)"
            case .duplicateSecret: "this secret is in the journal already: two tokens must never share a secret"
            case .alreadyCommitted(let serial, let slot):
                "token \(serial)\(slot.map { " slot \($0)" } ?? "") is provisioned already (see the journal); use --reprogram to program it again"
            case .unknownRecord(let id): "no journal record \(id)"
            case .sealing(let detail): "cannot seal the secret: \(detail)"
            case .unopenable(let detail): "cannot open a sealed seed of the journal: \(detail)"
            }
        }
    }

    /// The journal file.
    public let path: String
    private let keyring: MasterKeyring
    private let descriptor: Int32
    /// What opening did to the file, for the operator (a torn line cut off, damaged lines skipped); empty when nothing.
    public let openingNotes: [String]
    private let state: Mutex<Appended>

    /// What appends change: the parsed lines, the fingerprints of the secrets seen, the time spent syncing.
    private struct Appended {
        var contents: SeedJournalContents
        var fingerprints: Set<String>
        var durabilityTime: Duration = .zero
    }

    private var contents: SeedJournalContents { state.withLock { $0.contents } }
    /// Every entry read or appended, in file order.
    public var entries: [Entry] { contents.entries }
    /// Time spent making appends durable (write and fsync), for the provisioning benchmark.
    public var durabilityTime: Duration { state.withLock { $0.durabilityTime } }

    /// Opens (or creates, mode 0600) the journal at `path`. A last line torn by a crash is cut off, a last entry whose
    /// newline is missing gets it, and damaged lines are skipped; `openingNotes` says what was done.
    public init(path: String, keyring: MasterKeyring) throws(JournalError) {
        let file = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard file >= 0 else { throw .unwritable("\(path): \(String(cString: strerror(errno)))") }
        var notes: [String] = []
        let contents: SeedJournalContents
        do throws(JournalError) {
            guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
            contents = SeedJournalContents(parsing: [UInt8](data))
            if contents.tornTailLength > 0 {
                guard ftruncate(file, off_t(data.count - contents.tornTailLength)) == 0, fsync(file) == 0 else {
                    throw .unwritable("cannot cut the torn last line of \(path)")
                }
                notes.append("cut off its last line (\(contents.tornTailLength) bytes), torn by a crash while it was written")
            }
            if contents.lacksFinalNewline {
                let newline: [UInt8] = [0x0A]
                guard newline.withUnsafeBytes({ Glibc.write(file, $0.baseAddress, 1) }) == 1, fdatasync(file) == 0 else {
                    throw .unwritable("cannot end the last line of \(path)")
                }
            }
        } catch {
            close(file)
            throw error
        }
        if !contents.damagedLines.isEmpty {
            let one = contents.damagedLines.count == 1
            notes.append("skipped line\(one ? "" : "s") " + contents.damagedLines.map(String.init).joined(separator: ", ")
                         + (one ? ", which is not a journal entry" : ", which are not journal entries"))
        }
        self.path = path
        self.keyring = keyring
        self.descriptor = file
        self.openingNotes = notes
        state = Mutex(Appended(contents: contents, fingerprints: Set(contents.entries.compactMap(\.fingerprint))))
    }

    deinit { close(descriptor) }

    /// Appends the sealed intent for `seed` (durable when this returns) and returns its record id. Refuses a secret
    /// the journal has seen, and a token already committed unless `reprogram`.
    public func recordIntent(_ seed: SeedRecord, reprogram: Bool = false) throws(JournalError) -> String {
        let fingerprint = keyring.fingerprint(seed.secret)
        let id = UUID().uuidString.lowercased()
        let sealed: SealedSecret
        do { sealed = try keyring.seal(seed.secret, tokenID: id) } catch { throw .sealing(error.description) }
        let entry = Entry(kind: .intent, id: id, time: Date(), serial: seed.serial, family: seed.family, slot: seed.slot,
                          algorithm: seed.algorithm, digits: seed.digits, counter: seed.counter, period: seed.period,
                          keyID: sealed.keyID, sealed: Data(sealed.box).base64EncodedString(), fingerprint: fingerprint)
        try state.withLock { (state: inout Appended) throws(JournalError) in
            guard !state.fingerprints.contains(fingerprint) else { throw .duplicateSecret }
            if !reprogram, state.contents.isCommitted(serial: seed.serial, slot: seed.slot) {
                throw .alreadyCommitted(serial: seed.serial, slot: seed.slot)
            }
            try append(entry, to: &state)
            state.fingerprints.insert(fingerprint)
        }
        return id
    }

    /// Marks a record committed. The line is synced with the next intent or `sync()`: a commit lost to a crash
    /// leaves the record uncertain, and the token is programmed again with a fresh secret: safe, never a lost seed.
    public func commit(_ id: String) throws(JournalError) {
        try appendOutcome(Entry(kind: .committed, id: id, time: Date()))
    }

    /// Marks a record failed (the token refused); synced as `commit` is.
    public func fail(_ id: String, reason: String) throws(JournalError) {
        try appendOutcome(Entry(kind: .failed, id: id, time: Date(), reason: reason))
    }

    private func appendOutcome(_ entry: Entry) throws(JournalError) {
        try state.withLock { (state: inout Appended) throws(JournalError) in
            guard state.contents.intent(entry.id) != nil else { throw .unknownRecord(entry.id) }
            try append(entry, to: &state, sync: false)
        }
    }

    /// Makes every appended line durable (before seeds leave for a verifier, and at the end of a run).
    public func sync() throws(JournalError) {
        guard fdatasync(descriptor) == 0 else { throw .unwritable("\(path): \(String(cString: strerror(errno)))") }
    }

    /// Every record with where it stands (the last outcome wins).
    public var records: [Record] { contents.records }

    /// Whether a record for this token and slot is committed.
    public func isCommitted(serial: String, slot: Int?) -> Bool {
        contents.isCommitted(serial: serial, slot: slot)
    }

    /// The seeds of committed records, opened: what the verification server receives. A seed that does not open, or
    /// a damaged line, costs only itself: see `CommittedSeeds.problems`.
    public func committedSeeds() -> CommittedSeeds {
        contents.committedSeeds(keyring: keyring)
    }

    /// The seed of one record, opened (also for an uncertain record a person decides to keep).
    public func seed(_ id: String) throws(JournalError) -> SeedRecord {
        try contents.seed(id, keyring: keyring)
    }

    private func append(_ entry: Entry, to state: inout Appended, sync: Bool = true) throws(JournalError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(entry) else { throw .unwritable("cannot encode an entry") }
        let line = [UInt8](data) + [0x0A]
        let start = ContinuousClock.now
        defer { state.durabilityTime += ContinuousClock.now - start }
        let end = lseek(descriptor, 0, SEEK_END)
        let written = line.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else {
            let reason = written < 0 ? String(cString: strerror(errno)) : "only \(written) of \(line.count) bytes written"
            // A torn line in the middle would hide every later entry: cut the file back to where this one began.
            if end >= 0 { ftruncate(descriptor, end) }
            throw .unwritable("\(path): \(reason)")
        }
        guard !sync || fdatasync(descriptor) == 0 else { throw .unwritable("\(path): \(String(cString: strerror(errno)))") }
        state.contents.append(entry)
    }
}
