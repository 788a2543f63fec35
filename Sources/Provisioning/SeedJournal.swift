import Foundation
import OTPCore
import Verifier
#if canImport(Glibc)
import Glibc
#endif

/// The provisioning journal: before a secret goes to a token its sealed record is appended and synced ("intent");
/// after the token confirms, a "committed" line follows; a refusal adds "failed". After a crash or an unplug at any
/// moment the journal says which tokens are done, which are uncertain (an intent without an outcome: the token may
/// or may not hold the secret) and which failed, and no seed is lost.
///
/// One JSON object a line, appended with O_APPEND and fdatasync (which also flushes the new file size, all an append
/// needs); a line torn by a crash is cut off when the journal is
/// opened again. Secrets are sealed (AES-256-GCM, bound to the record id) under the journal's master key, and
/// carried with a keyed fingerprint so that a repeated secret is refused without opening any.
public final class SeedJournal {
    public struct Entry: Codable, Equatable, Sendable {
        public enum Kind: String, Codable, Sendable { case intent, committed, failed }

        public var kind: Kind
        public var id: String
        public var time: Date
        public var serial: String?
        public var family: String?
        public var slot: Int?
        public var algorithm: OTPAlgorithm?
        public var digits: Int?
        public var counter: UInt64?
        public var period: Int?
        public var keyID: String?
        public var sealed: String?
        public var fingerprint: String?
        public var reason: String?
    }

    /// Where a record stands.
    public enum State: String, Sendable, Codable { case committed, uncertain, failed }

    public struct Record: Sendable, Equatable {
        public let id: String
        public let serial: String
        public let family: String?
        public let slot: Int?
        public let state: State
        public let reason: String?
    }

    public enum JournalError: Error, Equatable, CustomStringConvertible {
        case unreadable(String)
        case unwritable(String)
        case duplicateSecret
        case alreadyCommitted(serial: String, slot: Int?)
        case unknownRecord(String)
        case sealing(String)
        /// A sealed seed did not open (wrong key file, or damaged data).
        case unsealing(String)

        public var description: String {
            switch self {
            case .unreadable(let detail): "cannot read the journal: \(detail)"
            case .unwritable(let detail): "cannot write the journal (nothing was programmed): \(detail)"
            case .duplicateSecret: "this secret is in the journal already: two tokens must never share a secret"
            case .alreadyCommitted(let serial, let slot):
                "token \(serial)\(slot.map { " slot \($0)" } ?? "") is provisioned already (see the journal); use --reprogram to program it again"
            case .unknownRecord(let id): "no journal record \(id)"
            case .sealing(let detail): "cannot seal the secret: \(detail)"
            case .unsealing(let detail): "cannot open a sealed seed of the journal: \(detail)"
            }
        }
    }

    public let path: String
    private let keyring: MasterKeyring
    private let descriptor: Int32
    public private(set) var entries: [Entry] = []
    /// Time spent making appends durable (write and fsync), for the provisioning benchmark.
    public private(set) var durabilityTime: Duration = .zero
    private var fingerprints: Set<String> = []

    /// Opens (or creates, mode 0600) the journal at `path`, cutting off a line a crash left half-written.
    public init(path: String, keyring: MasterKeyring) throws(JournalError) {
        self.path = path
        self.keyring = keyring
        descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw .unwritable("\(path): \(String(cString: strerror(errno)))") }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        let bytes = [UInt8](data)
        let complete = bytes.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        if complete < bytes.count {
            guard ftruncate(descriptor, off_t(complete)) == 0, fsync(descriptor) == 0 else {
                throw .unwritable("cannot cut the torn last line of \(path)")
            }
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for (number, line) in bytes[0..<complete].split(separator: 0x0A).enumerated() {
            do {
                entries.append(try decoder.decode(Entry.self, from: Data(line)))
            } catch {
                throw .unreadable("line \(number + 1) of \(path) is not a journal entry")
            }
        }
        fingerprints = Set(entries.compactMap(\.fingerprint))
    }

    deinit { close(descriptor) }

    /// Appends the sealed intent for `seed` (durable when this returns) and returns its record id. Refuses a secret
    /// the journal has seen, and a token already committed unless `reprogram`.
    public func recordIntent(_ seed: SeedRecord, reprogram: Bool = false) throws(JournalError) -> String {
        let fingerprint = keyring.fingerprint(seed.secret)
        guard !fingerprints.contains(fingerprint) else { throw .duplicateSecret }
        if !reprogram, isCommitted(serial: seed.serial, slot: seed.slot) { throw .alreadyCommitted(serial: seed.serial, slot: seed.slot) }
        let id = UUID().uuidString.lowercased()
        let sealed: SealedSecret
        do { sealed = try keyring.seal(seed.secret, tokenID: id) } catch { throw .sealing(error.description) }
        try append(Entry(kind: .intent, id: id, time: Date(), serial: seed.serial, family: seed.family, slot: seed.slot,
                         algorithm: seed.algorithm, digits: seed.digits, counter: seed.counter, period: seed.period,
                         keyID: sealed.keyID, sealed: Data(sealed.box).base64EncodedString(), fingerprint: fingerprint))
        fingerprints.insert(fingerprint)
        return id
    }

    /// Marks a record committed. The line is synced with the next intent or `sync()`: a commit lost to a crash
    /// leaves the record uncertain, and the token is programmed again with a fresh secret: safe, never a lost seed.
    public func commit(_ id: String) throws(JournalError) {
        guard intent(id) != nil else { throw .unknownRecord(id) }
        try append(Entry(kind: .committed, id: id, time: Date()), sync: false)
    }

    public func fail(_ id: String, reason: String) throws(JournalError) {
        guard intent(id) != nil else { throw .unknownRecord(id) }
        try append(Entry(kind: .failed, id: id, time: Date(), reason: reason), sync: false)
    }

    /// Makes every appended line durable (before seeds leave for a verifier, and at the end of a run).
    public func sync() throws(JournalError) {
        guard fdatasync(descriptor) == 0 else { throw .unwritable("\(path): \(String(cString: strerror(errno)))") }
    }

    /// Every record with where it stands (the last outcome wins).
    public var records: [Record] {
        var outcomes: [String: Entry] = [:]
        for entry in entries where entry.kind != .intent { outcomes[entry.id] = entry }
        return entries.filter { $0.kind == .intent }.map { intent in
            let outcome = outcomes[intent.id]
            let state: State = switch outcome?.kind {
            case .committed?: .committed
            case .failed?: .failed
            default: .uncertain
            }
            return Record(id: intent.id, serial: intent.serial ?? "?", family: intent.family, slot: intent.slot, state: state,
                          reason: outcome?.reason)
        }
    }

    public func isCommitted(serial: String, slot: Int?) -> Bool {
        records.contains { $0.state == .committed && $0.serial == serial && $0.slot == slot }
    }

    /// The seeds of committed records, opened: what the verification server receives. A slot programmed again
    /// (--reprogram) counts with its newest committed seed only; the older one is no longer on the token.
    public func committedSeeds() throws(JournalError) -> [SeedRecord] {
        var seen: Set<String> = []
        let newest = records.reversed().filter { $0.state == .committed && seen.insert("\($0.serial)/\($0.slot ?? -1)").inserted }
        return try newest.reversed().map { record throws(JournalError) in try seed(record.id) }
    }

    /// The seed of one record, opened (also for an uncertain record a person decides to keep).
    public func seed(_ id: String) throws(JournalError) -> SeedRecord {
        guard let intent = intent(id), let keyID = intent.keyID, let text = intent.sealed, let box = Data(base64Encoded: text) else {
            throw .unknownRecord(id)
        }
        let secret: Secret
        do { secret = try keyring.open(SealedSecret(keyID: keyID, box: Array(box)), tokenID: id) } catch { throw .unsealing(error.description) }
        return SeedRecord(serial: intent.serial ?? "?", slot: intent.slot, family: intent.family, algorithm: intent.algorithm ?? .sha1,
                          digits: intent.digits ?? 6, counter: intent.counter ?? 0, period: intent.period, secret: secret)
    }

    private func intent(_ id: String) -> Entry? {
        entries.first { $0.kind == .intent && $0.id == id }
    }

    private func append(_ entry: Entry, sync: Bool = true) throws(JournalError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(entry) else { throw .unwritable("cannot encode an entry") }
        let line = [UInt8](data) + [0x0A]
        let start = ContinuousClock.now
        defer { durabilityTime += ContinuousClock.now - start }
        let end = lseek(descriptor, 0, SEEK_END)
        let written = line.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else {
            let reason = written < 0 ? String(cString: strerror(errno)) : "only \(written) of \(line.count) bytes written"
            // A torn line in the middle would hide every later entry: cut the file back to where this one began.
            if end >= 0 { ftruncate(descriptor, end) }
            throw .unwritable("\(path): \(reason)")
        }
        guard !sync || fdatasync(descriptor) == 0 else { throw .unwritable("\(path): \(String(cString: strerror(errno)))") }
        entries.append(entry)
    }
}
