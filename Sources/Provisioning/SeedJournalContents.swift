import Foundation
import MasterKeys
import OTPCore

/// A journal file's bytes, read without touching the file: its entries, and what could not be read.
///
/// Only the last line can be torn (appends are whole lines, and a failed append is cut back), so a last line without
/// its newline that still parses is a whole entry whose newline was lost, and is kept; one that does not parse is the
/// torn rest of a crashed append. A complete line that does not parse is damage inside the file: it is skipped and
/// named, never allowed to hide the entries after it.
public struct SeedJournalContents: Sendable {
    /// A line longer than this is no journal entry (one is a few hundred bytes); it is not handed to the JSON decoder.
    public static let maximumLineLength = 16 * 1024

    /// The entries that parsed, in file order.
    public private(set) var entries: [SeedJournal.Entry] = []
    /// Numbers (from 1) of complete lines that are not journal entries.
    public private(set) var damagedLines: [Int] = []
    /// The length of a torn last line (no newline, not an entry): what opening the journal cuts off. 0 when none.
    public private(set) var tornTailLength = 0
    /// The last line is a whole entry whose newline is missing: opening the journal adds the newline.
    public private(set) var lacksFinalNewline = false

    /// Reads a journal file's bytes; never fails (what does not read is counted, not thrown).
    public init(parsing bytes: [UInt8]) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        func entry(_ line: ArraySlice<UInt8>) -> SeedJournal.Entry? {
            guard line.count <= Self.maximumLineLength else { return nil }
            return try? decoder.decode(SeedJournal.Entry.self, from: Data(line))
        }
        var start = bytes.startIndex
        var number = 0
        while start < bytes.endIndex {
            number += 1
            let newline = bytes[start...].firstIndex(of: 0x0A)
            let line = bytes[start..<(newline ?? bytes.endIndex)]
            if let parsed = entry(line) {
                entries.append(parsed)
                if newline == nil { lacksFinalNewline = true }
            } else if newline == nil {
                tornTailLength = line.count
            } else if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                damagedLines.append(number)
            }
            start = newline.map { $0 + 1 } ?? bytes.endIndex
        }
    }

    mutating func append(_ entry: SeedJournal.Entry) { entries.append(entry) }

    /// Every record with where it stands (the last outcome wins). An outcome for an intent the journal does not
    /// hold (its line damaged) stands for nothing.
    public var records: [SeedJournal.Record] {
        var outcomes: [String: SeedJournal.Entry] = [:]
        for entry in entries where entry.kind != .intent { outcomes[entry.id] = entry }
        return entries.filter { $0.kind == .intent }.map { intent in
            let outcome = outcomes[intent.id]
            let state: SeedJournal.State = switch outcome?.kind {
            case .committed?: .committed
            case .failed?: .failed
            default: .uncertain
            }
            return SeedJournal.Record(id: intent.id, serial: intent.serial ?? "?", family: intent.family, slot: intent.slot,
                                      state: state, reason: outcome?.reason)
        }
    }
}

extension SeedJournalContents {
    /// The intent entry of record `id`.
    func isCommitted(serial: String, slot: Int?) -> Bool {
        records.contains { $0.state == .committed && $0.serial == serial && $0.slot == slot }
    }

    func intent(_ id: String) -> SeedJournal.Entry? {
        entries.first { $0.kind == .intent && $0.id == id }
    }

    /// The seed of one record, opened with `keyring`.
    public func seed(_ id: String, keyring: MasterKeyring) throws(SeedJournal.JournalError) -> SeedRecord {
        guard let intent = intent(id) else { throw .unknownRecord(id) }
        guard let keyID = intent.keyID, let text = intent.sealed, let box = Data(base64Encoded: text) else {
            throw .unopenable("record \(id) has no readable sealed seed")
        }
        let secret: Secret
        do { secret = try keyring.open(SealedSecret(keyID: keyID, box: Array(box)), tokenID: id) } catch {
            throw .unopenable("the journal key does not open the seed of record \(id) (sealed under key \(keyID)): \(error)")
        }
        return SeedRecord(serial: intent.serial ?? "?", slot: intent.slot, family: intent.family, algorithm: intent.algorithm ?? .sha1,
                          digits: intent.digits ?? 6, counter: intent.counter ?? 0, period: intent.period, secret: secret)
    }

    /// The seeds of committed records, opened where they open. A slot programmed again (--reprogram) counts with its
    /// newest committed record only; the older seed is no longer on the token.
    public func committedSeeds(keyring: MasterKeyring) -> CommittedSeeds {
        var seen: Set<String> = []
        let newest = records.reversed().filter { $0.state == .committed && seen.insert("\($0.serial)/\($0.slot ?? -1)").inserted }
        var result = CommittedSeeds(seeds: [], unopened: [], damagedLines: damagedLines)
        for record in newest.reversed() {
            do { result.seeds.append(try seed(record.id, keyring: keyring)) } catch {
                result.unopened.append(.init(record: record, reason: error.description))
            }
        }
        return result
    }
}
