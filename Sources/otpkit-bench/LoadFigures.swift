/// What one load run measured, whatever drove it (wrk over HTTP, the RADIUS load client): requests answered and
/// their rate, latency, and how many were accepted codes.
struct LoadFigures: Sendable {
    var requests: Double
    /// Requests answered per second.
    var rate: Double
    /// Latency percentiles, in milliseconds.
    var p50: Double
    var p99: Double
    var accepted: Double

    var acceptedPercent: Double { requests > 0 ? accepted / requests * 100 : 0 }

    /// The figures of loads that ran side by side (one per node): counts and rates add up; a percentile of the whole
    /// cannot be derived from the parts', so the worse part's is kept.
    static func sideBySide(_ parts: [LoadFigures]) -> LoadFigures {
        LoadFigures(requests: parts.map(\.requests).reduce(0, +), rate: parts.map(\.rate).reduce(0, +),
                    p50: parts.map(\.p50).max() ?? 0, p99: parts.map(\.p99).max() ?? 0,
                    accepted: parts.map(\.accepted).reduce(0, +))
    }

    /// `1234 requests/s, p50 1.20 ms, p99 3.40 ms, 100.0% accepted`
    var summary: String {
        String(format: "%.0f requests/s, p50 %.2f ms, p99 %.2f ms, %.1f%% accepted", rate, p50, p99, acceptedPercent)
    }
}

/// The `p`-th percentile (0...100) of ascending `sorted` values, by nearest rank; 0 for none.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(sorted.count - 1, max(0, rank - 1))]
}
