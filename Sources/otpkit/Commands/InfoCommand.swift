import ArgumentParser
import TokenDrivers
import USBTransport

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show a token's identity, PIN state and slots (never secrets).")

    @OptionGroup var target: DeviceOptions
    @Flag(name: .long, help: "Print JSON.") var json = false

    struct Report: Encodable {
        let address: String
        let device: OpenHOTPDeviceInfo
        let slots: [OpenHOTPSlotInfo]
    }

    func run() async throws {
        try await reportingFailures {
            try await target.withToken { device in
                guard case .openHOTP(let token) = device else {
                    if case .yubiKey(let key) = device { try describeYubiKey(key) }
                    if case .nitrokey(let key) = device { try describeNitrokey(key) }
                    return
                }
                let slots = try (0..<token.info.slotCount).map { try token.driver.readSlot($0) }
                if json { return try printJSON(Report(address: token.address.description, device: token.info, slots: slots)) }
                let info = token.info
                print("Token      \(token.address)")
                print("Family     OpenHOTP, protocol \(info.protocolVersion), firmware \(info.firmware)")
                print("Serial     \(token.serial)")
                print("Algorithms \(info.supportedAlgorithms.map(\.rawValue).joined(separator: ", "))\(info.hasButton ? ", button" : "")")
                let pinState = info.pinLocked ? "locked (factory reset needed)" : info.pinSet ? "set, \(info.pinRetries) tries left" : "not set"
                print("Admin PIN  \(pinState)")
                for slot in slots { print(describe(slot)) }
            }
        }
    }
}

extension InfoCommand {
    struct YubiKeyReport: Encodable {
        let address: String
        let family = "YubiKey"
        let serial: String
        let status: YubiKeyStatus
        let slots: [Slot]

        /// Whether a slot holds a configuration: all a YubiKey shows of it.
        struct Slot: Encodable {
            let slot: Int
            let programmed: Bool
        }
    }

    func describeYubiKey(_ key: ConnectedYubiKey) throws {
        if json {
            let slots = [YubiKeyReport.Slot(slot: 1, programmed: key.status.slot1Programmed), .init(slot: 2, programmed: key.status.slot2Programmed)]
            return try printJSON(YubiKeyReport(address: key.connection.address.description, serial: key.serial, status: key.status, slots: slots))
        }
        print("Token      \(key.connection.address)")
        print("Family     YubiKey (OTP application), firmware \(key.status.firmware)")
        print("Serial     \(key.serial)")
        print("Sequence   \(key.status.programmingSequence) (moves with every accepted configuration)")
        print("Slot 1     \(key.status.slot1Programmed ? "programmed" : "empty")")
        print("Slot 2     \(key.status.slot2Programmed ? "programmed" : "empty")")
        print("A YubiKey cannot show a slot's configuration or counter; record them when programming.")
    }
}

extension InfoCommand {
    struct NitrokeyReport: Encodable {
        let address: String
        let family = "Nitrokey"
        let status: NitrokeyDriver.Status
        let adminRetries: Int
        let slots: [NitrokeyDriver.Slot?]
    }

    func describeNitrokey(_ key: ConnectedNitrokey) throws {
        let slots = try (0..<NitrokeyDriver.slotCount).map { try key.driver.readHOTPSlot($0) }
        let retries = try key.driver.adminRetryCount()
        if json {
            return try printJSON(NitrokeyReport(address: key.connection.address.description, status: key.status, adminRetries: retries, slots: slots))
        }
        print("Token      \(key.connection.address)")
        print("Family     Nitrokey, firmware \(key.status.firmware)")
        print("Serial     \(key.status.serial)")
        print("Admin PIN  \(retries) tries left")
        for (index, slot) in slots.enumerated() {
            print("HOTP \(index)     " + (slot.map { "\($0.digits) digits, counter \($0.counter)  \"\($0.name)\"" } ?? "empty"))
        }
    }
}

func describe(_ slot: OpenHOTPSlotInfo) -> String {
    "Slot \(slot.slot)     " + summary(slot)
}

/// One slot in words: `HOTP SHA1, 6 digits, counter 0, touch  "name"`, or `empty`.
func summary(_ slot: OpenHOTPSlotInfo) -> String {
    slot.summary
}
