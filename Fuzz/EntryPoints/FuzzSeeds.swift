import Foundation
import OTPCore
import Provisioning
import SeedFormats
import TokenDrivers
import TokenEmulator
import USBIP
import USBProtocol
import Verification

/// Valid inputs for each target, made by otpkit's own writers and by real conversations between the drivers and
/// the emulated tokens: `otpkit-fuzz seeds DIR` writes them into DIR/TARGET/ (the committed Fuzz/corpus was made so),
/// and the regression test replays them.
extension FuzzTarget {
    public var generatedSeeds: [[UInt8]] {
        switch self {
        case .pskc: FuzzSeeds.pskc()
        case .yubicoCSV: [Array(YubicoCSV.write(FuzzSeeds.records, timestamp: "2026-11-29T10:00:00").utf8)]
        case .seedJSON: [FuzzSeeds.json()]
        case .httpBodies: FuzzSeeds.httpBodies()
        case .usbipFraming: FuzzSeeds.usbipFrames()
        case .usbipConnection: FuzzSeeds.usbipConnections()
        case .firmwareOpenHOTP, .firmwareYubiKey, .firmwareNitrokey, .driverReplies: FuzzSeeds.conversations(for: self)
        case .journal: FuzzSeeds.journals()
        case .radiusPacket: RADIUSPacketFuzzing.seeds()
        case .controlLines: ControlLineFuzzing.seeds()
        case .verifierConfig: ConfigurationFuzzing.seeds()
        case .backupTrailer: BackupTrailerFuzzing.seeds()
        case .hidrawRequests: HidrawFuzzing.seeds()
        }
    }
}

enum FuzzSeeds {
    static let records: [SeedRecord] = [
        SeedRecord(serial: "10000001", slot: 0, family: "OpenHOTP", secret: try! Secret(bytes: Array("12345678901234567890".utf8))),
        SeedRecord(serial: "10000002", slot: 1, family: "YubiKey", digits: 8, counter: 4096,
                   secret: try! Secret(bytes: Array(0..<20))),
        SeedRecord(serial: "10000003", family: "OpenHOTP", algorithm: .sha256, digits: 8, counter: 123456,
                   secret: try! Secret(bytes: Array(0..<32))),
    ]

    static func pskc() -> [[UInt8]] {
        [PSKC.Protection.none, .preSharedKey(SeedFileFuzzing.preSharedKey), .password("fuzz", iterations: 1000)].compactMap {
            try? Array(PSKC.write(records, protection: $0).utf8)
        }
    }

    static func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(records)) ?? Data())
    }

    static func httpBodies() -> [[UInt8]] {
        [#"{"token":"10000001-0","code":"755224"}"#, #"{"token":"10000001-0","code1":"287082","code2":"359152"}"#,
         #"{"counter":123456,"force":true}"#, #"{"user":"alice@corp","code":"4321755224"}"#, #"{"user":"alice"}"#].map { Array($0.utf8) } + [json()] + pskc().prefix(1)
    }

    /// A GET_INFO request frame of OpenHOTP (Firmware-spec/OpenHOTP/vectors.json, "get-info").
    static let openHOTPGetInfo: [UInt8] = try! Hex.decode(
        "0101" + String(repeating: "00", count: 58) + "76028da7")

    static func urbs() -> [USBIPURB.Command] {
        let getDescriptor = USBSetupPacket(requestType: 0x80, request: USBStandardRequest.getDescriptor, value: 0x0100, index: 0, length: 18)
        return [
            .submit(.init(sequence: 1, deviceID: 0x10002, directionIn: true, endpoint: 0, bufferLength: 18, setup: getDescriptor.bytes)),
            .submit(.init(sequence: 2, deviceID: 0x10002, directionIn: false, endpoint: 0, bufferLength: 64,
                          setup: HIDRequest.setFeatureReport(interface: 0, length: 64).bytes, data: openHOTPGetInfo)),
            .submit(.init(sequence: 3, deviceID: 0x10002, directionIn: true, endpoint: 0, bufferLength: 64,
                          setup: HIDRequest.getFeatureReport(interface: 0, length: 64).bytes)),
            .submit(.init(sequence: 4, deviceID: 0x10002, directionIn: true, endpoint: 1, bufferLength: 8)),
            .unlink(sequence: 5, target: 4),
        ]
    }

    static func usbipFrames() -> [[UInt8]] {
        let record = USBIPDeviceRecord(path: "/sys/devices/otpkit/1-1", busID: "1-1", busNumber: 1, deviceNumber: 1, speed: .full,
                                       vendorID: 0x1209, productID: 0x0001, deviceVersion: 0x0100,
                                       interfaces: [.init(interfaceClass: 3, subclass: 0, interfaceProtocol: 0)])
        return [USBIPOperation.encodeRequest(.deviceList), USBIPOperation.encodeRequest(.importDevice(busID: "1-1")),
                USBIPOperation.encodeDeviceList([record, record]), USBIPOperation.encodeImportReply(record, status: .ok),
                USBIPURB.encodeReply(.submit(sequence: 3, status: 0, data: Array(repeating: 1, count: 64), actualLength: 64)),
                USBIPURB.encodeReply(.unlink(sequence: 5, status: -104))]
            + urbs().map(USBIPURB.encodeCommand)
    }

    /// Connection scripts: the mode byte, then pieces of (length - 1, bytes).
    static func usbipConnections() -> [[UInt8]] {
        func pieces(_ stream: [UInt8]) -> [UInt8] {
            stride(from: 0, to: stream.count, by: 200).flatMap { start -> [UInt8] in
                let piece = stream[start..<min(stream.count, start + 200)]
                return [UInt8(piece.count - 1)] + piece
            }
        }
        let urbStream = urbs().flatMap(USBIPURB.encodeCommand)
        return [[1] + pieces(urbStream), [3] + pieces(urbStream),
                [0] + pieces(USBIPOperation.encodeRequest(.importDevice(busID: "1-1")) + urbStream),
                [0] + pieces(USBIPOperation.encodeRequest(.deviceList))]
    }

    /// A channel to an emulated token that writes down the conversation: as firmware scripts (operation byte and
    /// report) and as the driver's reply script.
    final class RecordingChannel: FeatureReportChannel {
        let token: HIDReportHandler
        let reportSize: Int
        var firmwareScript: [UInt8] = []
        var replies: [UInt8] = []

        init(token: HIDReportHandler, reportSize: Int) {
            self.token = token
            self.reportSize = reportSize
        }

        func setFeatureReport(_ report: [UInt8]) throws(TransportError) {
            let padded = report + [UInt8](repeating: 0, count: max(0, reportSize - report.count))
            firmwareScript += [FirmwareFuzzing.Operation.setFeatureReport.rawValue] + padded
            guard token.setReport(type: HIDRequest.featureReportType, id: 0, interface: 0, data: padded) else { throw .stalled("set") }
        }

        func getFeatureReport(length: Int) throws(TransportError) -> [UInt8] {
            firmwareScript += [FirmwareFuzzing.Operation.getFeatureReport.rawValue]
            guard let report = token.getReport(type: HIDRequest.featureReportType, id: 0, interface: 0, length: length) else {
                throw .stalled("get")
            }
            replies += [1] + report  // the driver target's mode byte: sealed (see DriverFuzzing.ScriptedChannel)
            return report
        }
    }

    /// Each driver's operations against its emulated token, from every starting operation.
    static func conversations(for target: FuzzTarget) -> [[UInt8]] {
        let family: UInt8 = switch target {
        case .firmwareYubiKey: 1
        case .firmwareNitrokey: 2
        default: 0
        }
        let families: [UInt8] = target == .driverReplies ? [0, 1, 2] : [family]
        var seeds: [[UInt8]] = []
        for family in families {
            for start in 0..<8 {
                // (choice >> 2) % 8 picks the first operation, choice % 3 the driver.
                guard let choice = (0...255).map(UInt8.init).first(where: { (Int($0) >> 2) % 8 == start && $0 % 3 == family }) else { continue }
                let token: HIDReportHandler?, size: Int
                switch family {
                case 0: (token, size) = (OpenHOTPToken(state: OpenHOTPTokenState(serial: 12345678)), 64)
                case 1: (token, size) = (try? YubiKeyToken(serial: 1234567), 8)
                default: (token, size) = (try? NitrokeyToken(model: .pro, serial: 0x1234_5678), 64)
                }
                guard let token else { continue }
                let channel = RecordingChannel(token: token, reportSize: size)
                DriverFuzzing.drive(choice: choice, over: channel)
                seeds.append(target == .driverReplies ? [choice] + channel.replies : channel.firmwareScript)
            }
        }
        return seeds
    }

    static func journals() -> [[UInt8]] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-fuzz-journal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let journal = try? SeedJournal(path: path, keyring: JournalFuzzing.keyring) else { return [] }
        for (index, record) in records.enumerated() {
            guard let id = try? journal.recordIntent(record) else { continue }
            switch index {
            case 0: try? journal.commit(id)
            case 1: try? journal.fail(id, reason: "unplugged")
            default: break
            }
        }
        guard let whole = FileManager.default.contents(atPath: path) else { return [] }
        return [Array(whole), Array(whole.dropLast())]
    }
}
