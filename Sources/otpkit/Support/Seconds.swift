import ArgumentParser

/// A number of seconds on the command line: finite, not negative, at most a year. The parser refuses anything else
/// (`inf`, `nan`, `-1`, `1e30`), so no option can make a `Duration` or a `Date` computed from it trap.
struct Seconds: ExpressibleByArgument, Sendable, Equatable {
    static let limit: Double = 366 * 86_400
    let value: Double

    init(_ value: Double) {
        precondition(value.isFinite && (0...Self.limit).contains(value), "a literal within 0...\(Self.limit)")
        self.value = value
    }

    init?(argument: String) {
        guard let value = Double(argument), value.isFinite, (0...Self.limit).contains(value) else { return nil }
        self.value = value
    }

    var duration: Duration { .milliseconds(Int64((value * 1000).rounded())) }
    var defaultValueDescription: String { value == value.rounded() ? String(Int(value)) : String(value) }
    static var defaultCompletionKind: CompletionKind { .default }
}
