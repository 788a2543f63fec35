import DispatchExecutors
import EmulatorServer
import Foundation
import OTPCore
import TokenDrivers
import TokenEmulator
import USBTransport

/// Programming one slot and reading it back over USB/IP on loopback, with the emulator's state in memory and
/// persisted: cycles per second and the feature-report transfers each cycle takes.
enum ProgrammingBenchmark {
    static func run() async throws {
        print("Program + read back one slot over USB/IP on loopback (stage secret, write slot, read slot)")
        let memory = try await programCycles(stateFolder: nil)
        report("  cycles/s, emulator state in memory", memory.rate, "cycles/s")
        report("  feature-report transfers per cycle", memory.transfers, "transfers")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let persisted = try await programCycles(stateFolder: folder)
        report("  cycles/s, emulator state persisted (write, fsync, rename)", persisted.rate, "cycles/s")
    }

    static func programCycles(stateFolder: URL?) async throws -> (rate: Double, transfers: Double) {
        let token = try OpenHOTPToken(serial: 1, stateFile: stateFolder?.appendingPathComponent("token-1.json"))
        let server = USBIPServer(devices: [token.usbDevice])
        let port = try await server.start(host: "127.0.0.1", port: 0)
        // The driver blocks: the cycles run on a queue of their own, as in a token's session.
        let measured = await SerialQueueExecutor(label: "otpkit.bench.programming").run { () -> Result<(rate: Double, transfers: Double), Error> in
            Result { try cycles(port: port) }
        }
        await server.stop()
        return try measured.get()
    }

    /// Write and read back one slot, in batches of ten, through a token imported from `port`.
    private static func cycles(port: Int) throws -> (rate: Double, transfers: Double) {
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
}
