// otpkit benchmarks: `make bench` (swift run -c release otpkit-bench). Figures, not pass/fail.
import EmulatorServer
import Foundation
import OTPCore
import TokenDrivers
import TokenEmulator
import USBTransport

/// Counts the feature-report transfers a driver makes.
final class CountingChannel: FeatureReportChannel {
    let inner: FeatureReportChannel
    var transfers = 0

    init(_ inner: FeatureReportChannel) { self.inner = inner }

    func setFeatureReport(_ report: [UInt8]) throws(TransportError) {
        transfers += 1
        try inner.setFeatureReport(report)
    }

    func getFeatureReport(length: Int) throws(TransportError) -> [UInt8] {
        transfers += 1
        return try inner.getFeatureReport(length: length)
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Runs `batch` repeatedly for about `target` seconds; returns operations per second.
func measure(target: Double = 2, batchSize: Int, _ batch: (Int) throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    var done = 0
    var round = 0
    while seconds(clock.now - start) < target {
        try batch(round)
        done += batchSize
        round += 1
    }
    return Double(done) / seconds(clock.now - start)
}

func report(_ name: String, _ value: Double, _ unit: String) {
    let number = String(Int(value.rounded()))
    print(name.padding(toLength: 62, withPad: " ", startingAt: 0) + String(repeating: " ", count: max(0, 10 - number.count)) + number + " " + unit)
}

let rfcKey = try Secret(bytes: Array("12345678901234567890".utf8))
print("otpkit-bench on \(ProcessInfo.processInfo.activeProcessorCount) cores, one thread")
print("")
print("HOTP (OTPCore: RFC 2104 HMAC on swift-crypto hashes, inner/outer state cached per key)")
for algorithm in OTPAlgorithm.allCases {
    let hotp = try HOTP(secret: rfcKey, algorithm: algorithm, digits: 6)
    var sink: UInt64 = 0
    let rate = measure(batchSize: 100_000) { round in
        let base = UInt64(round) * 100_000
        for counter in base..<(base + 100_000) { sink &+= hotp.value(counter: counter) }
    }
    report("  codes/s, \(algorithm.rawValue), 6 digits, numeric", rate, "codes/s")
    if sink == 42 { print("") }  // keeps the loop from being optimised away
}
let sha1 = try HOTP(secret: rfcKey)
var characters = 0
let stringRate = measure(batchSize: 100_000) { round in
    for counter in 0..<UInt64(100_000) { characters &+= sha1.code(counter: counter &+ UInt64(round)).utf8.count }
}
report("  codes/s, SHA1, 6 digits, as zero-padded String", stringRate, "codes/s")

func programCycles(stateFolder: URL?) throws -> (rate: Double, transfers: Double) {
    let token = try OpenHOTPToken(serial: 1, stateFile: stateFolder?.appendingPathComponent("token-1.json"))
    let server = USBIPServer(devices: [token.usbDevice])
    let port = try server.start(host: "127.0.0.1", port: 0)
    defer { server.stop() }
    let connection = try USBIPClient.importDevice(host: "127.0.0.1", port: port, busID: "1-1")
    defer { connection.close() }
    let channel = CountingChannel(HIDFeatureReportChannel(device: connection))
    let driver = OpenHOTPDriver(channel: channel)
    let configuration = OpenHOTPSlotConfiguration(secret: Secret.random(), name: "bench")
    var cycles = 0
    let rate = try measure(target: 3, batchSize: 10) { _ in
        for _ in 0..<10 {
            try driver.writeSlot(0, configuration)
            guard try driver.readSlot(0).programmed else { fatalError("read-back failed") }
            cycles += 1
        }
    }
    return (rate, Double(channel.transfers) / Double(cycles))
}

print("")
print("Program + read back one slot over USB/IP on loopback (stage secret, write slot, read slot)")
let memory = try programCycles(stateFolder: nil)
report("  cycles/s, emulator state in memory", memory.rate, "cycles/s")
report("  feature-report transfers per cycle", memory.transfers, "transfers")
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let persisted = try programCycles(stateFolder: folder)
report("  cycles/s, emulator state persisted (write, fsync, rename)", persisted.rate, "cycles/s")
