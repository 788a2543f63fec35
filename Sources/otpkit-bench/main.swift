// otpkit benchmarks: `make bench` (swift run -c release otpkit-bench). Figures, not pass/fail.
import EmulatorServer
import Foundation
import OTPCore
import TokenDrivers
import TokenEmulator
import USBTransport
import Verification
import VerifierServer
import VerifierStorage
import TestSupport

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

if CommandLine.arguments.dropFirst().first == "cluster" {
    try await ClusterBenchmark.run()
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "radius" {
    try await RADIUSBenchmark.run()
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "hotp" {
    try HOTPBenchmark.run()
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "refusals" {
    try await RefusalBenchmark.run()
    exit(0)
}

func seconds(_ duration: Duration) -> Double { duration.seconds }

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

func measure(target: Double = 2, batchSize: Int, _ batch: (Int) async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    var done = 0
    var round = 0
    while seconds(clock.now - start) < target {
        try await batch(round)
        done += batchSize
        round += 1
    }
    return Double(done) / seconds(clock.now - start)
}

func report(_ name: String, _ value: Double, _ unit: String) {
    let number = String(Int(value.rounded()))
    print(name.padding(toLength: 64, withPad: " ", startingAt: 0) + String(repeating: " ", count: max(0, 10 - number.count)) + number + " " + unit)
}

let rfcKey = try Secret(bytes: Array("12345678901234567890".utf8))
print("otpkit-bench on \(ProcessInfo.processInfo.activeProcessorCount) cores, one thread")
print("")
try HOTPBenchmark.run()
let sha1 = try HOTP(secret: rfcKey)

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

// MARK: Verifier

print("")
print("Verifier (SQLite in WAL mode, synchronous=FULL: every decision committed before it is answered)")
let verifierFolder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-bench-verifier-\(getpid())")
try FileManager.default.createDirectory(at: verifierFolder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: verifierFolder) }
let databasePath = verifierFolder.appendingPathComponent("verifier.sqlite").path
let benchStore = try SQLiteTokenStore(path: databasePath)
let verifier = Verifier(store: benchStore, keyring: MasterKeyring(current: MasterKey.generate()))
let benchTokens = 64
try await verifier.add(try (0..<benchTokens).map { try verifier.makeToken(id: "t\($0)", secret: rfcKey) })
let codes = (0..<UInt64(20_000)).map { sha1.code(counter: $0) }

var nextCounter = [Int](repeating: 0, count: benchTokens)
var verified = 0
let inProcessRate = try await measure(target: 3, batchSize: benchTokens) { _ in
    for token in 0..<benchTokens {
        guard try await verifier.verify(tokenID: "t\(token)", code: codes[nextCounter[token]]).accepted else { fatalError("refused") }
        nextCounter[token] += 1
        verified += 1
    }
}
report("  verifications/s in process, one thread, all accepted", inProcessRate, "verify/s")

try await verifier.add([try verifier.makeToken(id: "drift", secret: rfcKey)])
var resyncCounter: UInt64 = 0
var resyncs = 0
let resyncRate = try await measure(target: 2, batchSize: 1) { _ in
    let far = resyncCounter + 998  // the last pair inside the 1000-code sync window
    guard case .resynchronized = try await verifier.resync(tokenID: "drift", code1: sha1.code(counter: far), code2: sha1.code(counter: far + 1)) else {
        fatalError("resync failed")
    }
    resyncCounter = far + 2
    resyncs += 1
}
report("  resync, pair at the end of the 1,000-code window (durable)", 1e6 / resyncRate, "us")
// What a verify-only client could time: a wrong code, an unknown token, a locked token (all answered "refused").
try await verifier.add([try verifier.makeToken(id: "wrong", secret: rfcKey), try verifier.makeToken(id: "locked", secret: rfcKey)])
for _ in 0..<10 { _ = try await verifier.verify(tokenID: "locked", code: "000000") }
var patient = VerifierPolicy()
patient.maxFailures = .max  // so that the wrong-code case never locks during the measurement
let timing = Verifier(store: benchStore, keyring: verifier.keyring, policy: patient)
for (label, id) in [("wrong code", "wrong"), ("unknown token", "nobody"), ("locked token, right code", "locked")] {
    let rate = try await measure(target: 1, batchSize: 1) { _ in
        _ = try await timing.verify(tokenID: id, code: label == "locked token, right code" ? "755224" : "000000")
    }
    report("  refused in process: \(label), per request", 1e6 / rate, "us")
}

// HTTP on loopback: an in-process server and client threads with keep-alive connections, each sending the next
// valid code of its own tokens.
let keyStore = try SQLiteAPIKeyStore(path: databasePath)
let apiKey = try await keyStore.create(name: "bench", role: .verify).text
var serverOptions = VerifierHTTPServer.Options()
serverOptions.port = 0
let httpServer = VerifierHTTPServer(verifier: verifier, keys: keyStore, options: serverOptions,
                                    auditLog: FileHandle(forWritingAtPath: "/dev/null")!)
let listening = DispatchSemaphore(value: 0)
nonisolated(unsafe) var httpPort = 0
Task.detached {
    try await httpServer.run { address in
        httpPort = Int(address.split(separator: ":").last ?? "") ?? 0
        listening.signal()
    }
}
listening.wait()
let clients = 16
let lock = NSLock()
nonisolated(unsafe) var latencies: [Double] = []
nonisolated(unsafe) var refusals = 0
let httpStart = ContinuousClock.now
let counters = nextCounter
DispatchQueue.concurrentPerform(iterations: clients) { client in
    let connection = HTTPTestClient(port: httpPort)
    var local: [Double] = []
    var refused = 0
    var positions = counters
    let deadline = ContinuousClock.now + .seconds(5)
    var round = 0
    while ContinuousClock.now < deadline {
        let token = client + clients * (round % (benchTokens / clients))
        round += 1
        let body = "{\"token\":\"t\(token)\",\"code\":\"\(codes[positions[token]])\"}"
        positions[token] += 1
        let sent = ContinuousClock.now
        guard let response = try? connection.send("POST", "/v1/verify", body: body, headers: ["Authorization": "Bearer \(apiKey)"]) else { break }
        local.append(seconds(ContinuousClock.now - sent))
        if response.body != #"{"accepted":true}"# { refused += 1 }
    }
    lock.withLock {
        latencies += local
        refusals += refused
    }
}
let httpElapsed = seconds(ContinuousClock.now - httpStart)
latencies.sort()
report("  HTTP verify requests/s, \(clients) keep-alive clients on loopback", Double(latencies.count) / httpElapsed, "req/s")
report("  HTTP verify latency p50", (latencies[latencies.count / 2]) * 1e6, "us")
report("  HTTP verify latency p99", (latencies[latencies.count * 99 / 100]) * 1e6, "us")
report("  HTTP verify requests refused (must be 0)", Double(refusals), "")

// The same load from wrk, against server processes on SQLite and PostgreSQL: `otpkit-bench cluster`.
