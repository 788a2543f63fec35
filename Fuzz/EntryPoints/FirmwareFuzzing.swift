import TokenEmulator
import USBProtocol

/// The emulated tokens' firmware models behind their USB device layer, fed a script of operations the input spells:
/// feature reports (the firmware's frame decoders), report reads, interrupt reads, raw control transfers and button
/// presses. A fresh token per input keeps every run independent.
enum FirmwareFuzzing {
    enum Family { case openHOTP, yubiKey, nitrokey }

    /// What the script does next (the operation byte modulo the count).
    enum Operation: UInt8, CaseIterable {
        case setFeatureReport, getFeatureReport, interruptIn, control, press
    }

    static func run(_ input: [UInt8], family: Family) {
        var script = FuzzInput(input)
        let handler: HIDReportHandler
        let device: EmulatedHIDDevice
        let reportSize: Int
        let press: (Int) -> Void
        switch family {
        case .openHOTP:
            let token = OpenHOTPToken(state: OpenHOTPTokenState(serial: 12345678))
            (handler, device, reportSize) = (token, token.usbDevice, 64)
            press = { _ in token.pressButton() }
        case .yubiKey:
            guard let token = try? YubiKeyToken(serial: 1234567) else { return }
            (handler, device, reportSize) = (token, token.usbDevice, 8)
            press = { slot in _ = token.touch(slot: slot % 2 + 1) }
        case .nitrokey:
            guard let token = try? NitrokeyToken(model: .pro, serial: 0x1234_5678) else { return }
            (handler, device, reportSize) = (token, token.usbDevice, 64)
            press = { _ in }
        }
        var steps = 0
        while !script.isEmpty, steps < 256 {
            steps += 1
            let operation = Operation(rawValue: script.byte() % UInt8(Operation.allCases.count))!
            switch operation {
            case .setFeatureReport:
                _ = handler.setReport(type: HIDRequest.featureReportType, id: 0, interface: 0, data: script.padded(reportSize))
            case .getFeatureReport:
                _ = handler.getReport(type: HIDRequest.featureReportType, id: 0, interface: 0, length: reportSize)
            case .interruptIn:
                _ = device.interruptIn(endpoint: 0x81)
            case .control:
                guard let setup = USBSetupPacket(bytes: script.padded(8)) else { continue }
                let data = setup.isDeviceToHost ? [] : script.bytes(Int(setup.length))
                _ = device.control(setup, data: data)
            case .press:
                press(Int(script.byte()))
            }
        }
    }
}
