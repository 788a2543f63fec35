import Foundation
import Testing
@testable import VerifierServer

/// The audit log's timestamps read as Foundation's ISO 8601 formatter writes them.
@Suite struct UTCTimestampTests {
    @Test func matchesFoundationsISO8601() {
        let formatter = ISO8601DateFormatter()
        for _ in 0..<3 {
            let before = formatter.string(from: Date()), stamp = UTCTimestamp.now(), after = formatter.string(from: Date())
            #expect(stamp == before || stamp == after, "\(stamp) vs \(before)/\(after)")
            if before == after { return }  // no second boundary crossed: compared exactly
        }
    }
}
