import Checksums
import Foundation
import OTPCore

/// The host side of the YubiKey OTP application: status, serial, programming, deleting and swapping slots.
/// It cannot read a slot's configuration or its counter back: the hardware offers no such command.
public final class YubiKeyDriver {
    private let channel: FeatureReportChannel
    /// How long to wait for the key to take a piece (a slot swap takes ~920 ms on real keys).
    public var writeTimeout: TimeInterval = 1.15
    public var pollInterval: TimeInterval = 0.01
    /// The pause between polls; cancelling it ends a wait for a write at once.
    public var pollWait = PollWait()

    public enum YubiKeyError: Error, Equatable, CustomStringConvertible {
        case notConfirmed(slot: Int)
        case busy
        case badResponse(String)
        case invalidConfiguration(String)
        case transport(TransportError)

        public var description: String {
            switch self {
            case .notConfirmed(let slot):
                "the YubiKey did not accept the write to slot \(slot) (wrong or missing access code?); the slot is unchanged"
            case .busy: "the YubiKey stayed busy"
            case .badResponse(let detail): "the YubiKey sent a bad response: \(detail)"
            case .invalidConfiguration(let detail): detail
            case .transport(let error): error.description
            }
        }
    }

    public init(channel: FeatureReportChannel) {
        self.channel = channel
    }

    public func status() throws(YubiKeyError) -> YubiKeyStatus {
        YubiKeyStatus(report: try read())
    }

    public func serial() throws(YubiKeyError) -> UInt32 {
        try send(YubiKeyProtocol.frame(command: YubiKeyProtocol.Command.deviceSerial.rawValue, payload: []), thenWait: false)
        let response = try readResponse(length: 4)
        return response.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Programs `slot` (1 or 2) as OATH-HOTP; `accessCode` is the slot's current one, if it has one.
    public func program(slot: Int, _ configuration: YubiKeyOATHConfiguration, accessCode: [UInt8]? = nil) throws(YubiKeyError) {
        let config: [UInt8]
        do { config = try configuration.encoded() } catch { throw .invalidConfiguration(error.description) }
        try writeConfiguration(slot: slot, config: config, accessCode: accessCode)
    }

    /// Deletes `slot`: an all-zero configuration.
    public func delete(slot: Int, accessCode: [UInt8]? = nil) throws(YubiKeyError) {
        try writeConfiguration(slot: slot, config: [UInt8](repeating: 0, count: YubiKeyProtocol.configSize), accessCode: accessCode)
    }

    public func swapSlots() throws(YubiKeyError) {
        let before = try status()
        try send(YubiKeyProtocol.frame(command: YubiKeyProtocol.Command.swap.rawValue, payload: []))
        let after = try status()
        guard after.programmingSequence != before.programmingSequence else { throw .notConfirmed(slot: 0) }
    }

    private func writeConfiguration(slot: Int, config: [UInt8], accessCode: [UInt8]?) throws(YubiKeyError) {
        guard slot == 1 || slot == 2 else { throw .invalidConfiguration("a YubiKey has slots 1 and 2") }
        let code = accessCode ?? [UInt8](repeating: 0, count: YubiKeyProtocol.accessCodeSize)
        guard code.count == YubiKeyProtocol.accessCodeSize else { throw .invalidConfiguration("an access code is 6 bytes") }
        let before = try status()
        let command = slot == 1 ? YubiKeyProtocol.Command.config1 : .config2
        try send(YubiKeyProtocol.frame(command: command.rawValue, payload: config + code))
        let after = try status()
        // Confirmed when the programming sequence moved on (or dropped to 0 when the last slot was deleted).
        let deletedLast = after.programmingSequence == 0 && !after.slot1Programmed && !after.slot2Programmed
        guard after.programmingSequence == before.programmingSequence &+ 1 || deletedLast else { throw .notConfirmed(slot: slot) }
    }

    /// Writes a frame piece by piece, waiting for the key to clear its write flag before each, and after the last
    /// unless a response follows (its first piece is the next report read, so it must not be read as a status).
    private func send(_ frame: [UInt8], thenWait: Bool = true) throws(YubiKeyError) {
        for report in YubiKeyProtocol.reports(of: frame) {
            try waitWhileWriting()
            do { try channel.setFeatureReport(report) } catch { throw .transport(error) }
        }
        if thenWait { try waitWhileWriting() }
    }

    private func waitWhileWriting() throws(YubiKeyError) {
        let deadline = Date(timeIntervalSinceNow: writeTimeout)
        while try read()[7] & YubiKeyProtocol.slotWriteFlag != 0 {
            guard Date() < deadline else { throw .busy }
            try pause()
        }
    }

    private func pause() throws(YubiKeyError) {
        do { try pollWait.pause(pollInterval) } catch { throw .transport(error) }
    }

    /// Reads `length` bytes plus the inverted CRC-16 from response reports (0x40 | sequence), then resets.
    private func readResponse(length: Int) throws(YubiKeyError) -> [UInt8] {
        var data: [UInt8] = []
        let deadline = Date(timeIntervalSinceNow: writeTimeout)
        while data.count < length + 2 {
            let report = try read()
            if report[7] & YubiKeyProtocol.responsePendingFlag != 0 {
                guard Int(report[7] & 0x1f) == data.count / 7 else { throw .badResponse("response piece out of order") }
                data += report[0..<7]
            } else {
                guard Date() < deadline else { throw .badResponse("no response") }
                try pause()
            }
        }
        do { try channel.setFeatureReport([0, 0, 0, 0, 0, 0, 0, 0x8F]) } catch { throw .transport(error) }
        guard CRC16.checksum(data[0..<(length + 2)]) == CRC16.residue else { throw .badResponse("CRC mismatch") }
        return Array(data[0..<length])
    }

    private func read() throws(YubiKeyError) -> [UInt8] {
        do {
            let report = try channel.getFeatureReport(length: YubiKeyProtocol.reportSize)
            guard report.count == YubiKeyProtocol.reportSize else { throw YubiKeyError.badResponse("short report") }
            return report
        } catch let error as TransportError {
            throw .transport(error)
        } catch {
            throw .badResponse("short report")
        }
    }
}
