import OTPCore

/// The codes one decision computes, counted, so that every refusal can be padded to the same number of HMACs:
/// an unknown token, a locked one, a replay, a code of the wrong length and a wrong code then cost the same work.
/// Runs of codes go to OTPCore in one batch (`HOTP.values`, `HOTP.firstMatch`): one set of working hash states
/// for the whole run, numbers compared, no strings.
struct HMACWork {
    let hotp: HOTP
    private(set) var count = 0

    init(_ hotp: HOTP) { self.hotp = hotp }

    mutating func value(counter: UInt64) -> UInt64 {
        count += 1
        return hotp.value(counter: counter)
    }

    /// The codes (as numbers) for `count` counters from `start`, stopping at the counter's end.
    mutating func values(from start: UInt64, count: Int) -> [UInt64] {
        let values = hotp.values(from: start, count: count)
        self.count += values.count
        return values
    }

    /// The first counter in `start ..< start + count` whose code equals `code`. Codes are compared as numbers
    /// (the length was checked before) and every code of the range is computed, wherever the match is.
    mutating func firstMatch(_ code: String, from start: UInt64, count: Int) -> UInt64? {
        guard let wanted = UInt64(code) else { return nil }
        self.count += Int(min(UInt64(max(0, count)), UInt64.max - start))
        return hotp.firstMatch(wanted, from: start, count: count)
    }

    /// Computes throwaway codes until `budget` were computed in all: a search for a number no code can be
    /// (codes are below 10^10), so padding costs what a real search of that length costs.
    mutating func pad(to budget: Int) {
        guard count < budget else { return }
        _ = hotp.firstMatch(.max, from: 0, count: budget - count)
        count = budget
    }
}
