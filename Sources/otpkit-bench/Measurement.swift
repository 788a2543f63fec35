import Foundation
import OTPCore

/// Runs `batch` repeatedly for about `target` seconds of wall-clock time; returns operations per second.
func measure(target: Double = 2, batchSize: Int, _ batch: (Int) throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    var done = 0
    var round = 0
    while (clock.now - start).seconds < target {
        try batch(round)
        done += batchSize
        round += 1
    }
    return Double(done) / (clock.now - start).seconds
}

func measure(target: Double = 2, batchSize: Int, _ batch: (Int) async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    var done = 0
    var round = 0
    while (clock.now - start).seconds < target {
        try await batch(round)
        done += batchSize
        round += 1
    }
    return Double(done) / (clock.now - start).seconds
}

/// One figure a line: the name padded to a column, the value right-aligned, the unit.
func report(_ name: String, _ value: Double, _ unit: String) {
    let number = String(Int(value.rounded()))
    print(name.padding(toLength: 64, withPad: " ", startingAt: 0) + String(repeating: " ", count: max(0, 10 - number.count)) + number + " " + unit)
}
