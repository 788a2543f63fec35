import Checksums
import OTPCore
import TokenDrivers

/// The host drivers' reply parsers: each driver runs its operations over a channel whose every reply is the next
/// piece of the input, as a broken or hostile token (or a USB/IP server) would answer.
enum DriverFuzzing {
    /// Replies from the script; sends succeed while the script lasts. No waiting: drivers poll with no pause.
    /// Each reply is a mode byte and the report. With the mode's low bit set, the channel makes the report pass the
    /// checks a fuzzer cannot guess (OpenHOTP's CRC-32; Nitrokey's echoed command, request CRC and STM32 CRC), so
    /// that mutations reach the parsing behind them.
    final class ScriptedChannel: FeatureReportChannel {
        enum Family { case openHOTP, yubiKey, nitrokey }

        var script: FuzzInput
        var family: Family = .openHOTP
        private var lastRequest: [UInt8] = []

        init(_ script: FuzzInput) { self.script = script }

        func setFeatureReport(_ report: [UInt8]) throws(TransportError) {
            guard !script.isEmpty else { throw .disconnected("the script ended") }
            lastRequest = report
        }

        func getFeatureReport(length: Int) throws(TransportError) -> [UInt8] {
            guard !script.isEmpty else { throw .disconnected("the script ended") }
            let seal = script.byte() & 1 == 1
            var reply = script.padded(length)
            if seal { Self.seal(&reply, family: family, request: lastRequest) }
            return reply
        }

        static func seal(_ reply: inout [UInt8], family: Family, request: [UInt8]) {
            guard reply.count == 64 else { return }
            switch family {
            case .openHOTP:
                let crc = CRC32.checksum(reply[0..<60])
                reply.replaceSubrange(60..<64, with: [UInt8(crc & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc >> 16 & 0xff), UInt8(crc >> 24)])
            case .nitrokey:
                guard request.count == 64 else { return }
                reply[1] = request[0]
                reply.replaceSubrange(2..<6, with: request[60..<64])
                let crc = STM32CRC32.checksum([0] + reply[1..<60])
                reply.replaceSubrange(60..<64, with: [UInt8(crc & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc >> 16 & 0xff), UInt8(crc >> 24)])
            case .yubiKey:
                break
            }
        }
    }

    static let secret = try! Secret(bytes: Array("12345678901234567890".utf8))

    /// The first byte picks the driver (modulo 3) and the first of the eight operations it runs (the rest).
    static func run(_ input: [UInt8]) {
        var script = FuzzInput(input)
        let choice = script.byte()
        let channel = ScriptedChannel(script)
        channel.family = [.openHOTP, .yubiKey, .nitrokey][Int(choice % 3)]
        drive(choice: choice, over: channel) { channel.script.isEmpty }
    }

    /// Runs the operations `choice` picks over `channel` until `finished` (after each operation).
    static func drive(choice: UInt8, over channel: FeatureReportChannel, finished: () -> Bool = { false }) {
        for step in 0..<8 {
            let operation = (Int(choice) >> 2 &+ step) % 8
            switch choice % 3 {
            case 0: openHOTP(channel, operation)
            case 1: yubiKey(channel, operation)
            default: nitrokey(channel, operation)
            }
            if finished() { return }
        }
    }

    static func openHOTP(_ channel: FeatureReportChannel, _ operation: Int) {
        let driver = OpenHOTPDriver(channel: channel)
        driver.pollInterval = 0
        driver.touchTimeout = 0
        switch operation {
        case 0: _ = try? driver.info()
        case 1: _ = try? driver.readSlot(0)
        case 2: _ = try? driver.writeSlot(1, OpenHOTPSlotConfiguration(secret: secret, name: "fuzz"))
        case 3: _ = try? driver.readCounter(2)
        case 4: _ = try? driver.generate(0)
        case 5: _ = try? driver.eraseSlot(3)
        case 6: _ = try? driver.setPIN(current: "123456", new: "654321")
        default: _ = try? driver.verifyPIN("123456")
        }
    }

    static func yubiKey(_ channel: FeatureReportChannel, _ operation: Int) {
        let driver = YubiKeyDriver(channel: channel)
        driver.pollInterval = 0
        driver.writeTimeout = 0.001
        switch operation % 5 {
        case 0: _ = try? driver.status()
        case 1: _ = try? driver.serial()
        case 2: _ = try? driver.program(slot: 1, YubiKeyOATHConfiguration(secret: secret))
        case 3: _ = try? driver.delete(slot: 2)
        default: _ = try? driver.swapSlots()
        }
    }

    static func nitrokey(_ channel: FeatureReportChannel, _ operation: Int) {
        let driver = NitrokeyDriver(channel: channel)
        driver.retryDelay = 0
        switch operation % 6 {
        case 0: _ = try? driver.status()
        case 1: _ = try? driver.adminRetryCount()
        case 2: _ = try? driver.authenticateAdmin(pin: "12345678")
        case 3: _ = try? driver.readHOTPSlot(1)
        case 4: _ = try? driver.code(0)
        default: _ = try? driver.writeHOTPSlot(2, name: "fuzz", secret: secret, counter: 0, digits: 6, temporaryPassword: Array(repeating: 7, count: 25))
        }
    }
}
