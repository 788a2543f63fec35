import Foundation
import Synchronization

/// A token bucket per client (API key): `rate` requests a second on average, bursts up to `burst`.
/// Per process: with several verifier nodes each keeps its own buckets.
final class RateLimiter: Sendable {
    private let rate: Double
    private let burst: Double
    private let buckets = Mutex<[String: (tokens: Double, updated: Date)]>([:])

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    func allow(_ client: String, now: Date = Date()) -> Bool {
        guard rate > 0 else { return true }
        return buckets.withLock { buckets in
            var bucket = buckets[client] ?? (burst, now)
            bucket.tokens = min(burst, bucket.tokens + now.timeIntervalSince(bucket.updated) * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[client] = bucket
            return allowed
        }
    }
}
