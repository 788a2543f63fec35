import OTPCore

/// The codes one decision computes, counted, so that every refusal can be padded to the same number of HMACs:
/// an unknown token, a locked one, a replay, a code of the wrong length and a wrong code then cost the same work.
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
        let count = Int(min(UInt64(max(0, count)), UInt64.max - start))
        self.count += count
        return (0..<count).map { hotp.value(counter: start + UInt64($0)) }
    }

    /// The first counter in `start ..< start + count` whose code equals `code`. Codes are compared as numbers
    /// (the length was checked before) and every code of the range is computed, wherever the match is.
    mutating func firstMatch(_ code: String, from start: UInt64, count: Int) -> UInt64? {
        guard let wanted = UInt64(code) else { return nil }
        return values(from: start, count: count).firstIndex(of: wanted).map { start + UInt64($0) }
    }

    /// Computes throwaway codes until `budget` were computed in all.
    mutating func pad(to budget: Int) {
        var sink: UInt64 = 0
        while count < budget {
            sink &+= hotp.value(counter: UInt64(count))
            count += 1
        }
        withExtendedLifetime(sink) {}
    }
}
