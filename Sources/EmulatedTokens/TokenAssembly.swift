import Foundation
import TokenEmulator

/// Builds the firmware models a configuration names: serials counted up from the first, each token's state file in
/// the state folder, the observers attached. What the USB/IP server, the testbed and the control panel then share.
struct TokenAssembly {
    struct Part {
        let busID: String
        let family: EmulatedTokenFamily
        let serial: UInt32
        let device: EmulatedUSBDevice
        let controlled: ControlledToken
        /// A Nitrokey, which leaves the bus for its bootloader when told its update password.
        var nitrokey: NitrokeyToken? = nil
    }

    let parts: [Part]

    init(_ configuration: EmulatorConfiguration) throws(EmulatorError) {
        let folder = try Self.prepare(configuration.stateFolder)
        let base = configuration.firstSerial ?? UInt32.random(in: 10_000_000...89_999_999)
        var parts: [Part] = []
        for (index, family) in configuration.families.enumerated() {
            let port = index + 1
            let stateFile = folder?.appendingPathComponent(family.stateFileName(port: port))
            do {
                parts.append(try Self.make(family, busID: "1-\(port)", serial: base &+ UInt32(index), stateFile: stateFile,
                                           configuration: configuration))
            } catch {
                throw .stateFile("\(stateFile?.path ?? family.rawValue): \(error)")
            }
        }
        self.parts = parts
    }

    private static func prepare(_ folder: URL?) throws(EmulatorError) -> URL? {
        guard let folder else { return nil }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .stateFile("cannot create the state folder \(folder.path): \(error.localizedDescription)")
        }
        return folder
    }

    private static func make(_ family: EmulatedTokenFamily, busID: String, serial: UInt32, stateFile: URL?,
                             configuration: EmulatorConfiguration) throws -> Part {
        switch family {
        case .openHOTP:
            let delay: TimeInterval? = switch configuration.autoTouch {
            case .after(let duration): Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            case .never: nil
            }
            let token = try OpenHOTPToken(serial: serial, stateFile: stateFile, autoTouchDelay: delay)
            if let observer = configuration.onOpenHOTPButton {
                let serial = token.serial
                token.onButtonPress = { outcome in
                    if case .presented(let slot, let code) = outcome { observer(serial, slot, code) }
                }
            }
            return Part(busID: busID, family: family, serial: token.serial, device: token.usbDevice,
                        controlled: ControlledToken(busID: busID, openHOTP: token))
        case .yubiKey:
            let key = try YubiKeyToken(serial: serial, stateFile: stateFile)
            key.onFrame = configuration.onYubiKeyFrame
            return Part(busID: busID, family: family, serial: key.state.serial, device: key.usbDevice,
                        controlled: ControlledToken(busID: busID, yubiKey: key))
        case .nitrokeyPro, .nitrokeyStorage:
            let key = try NitrokeyToken(model: family == .nitrokeyPro ? .pro : .storage, serial: serial, stateFile: stateFile)
            return Part(busID: busID, family: family, serial: key.state.serial, device: key.usbDevice,
                        controlled: ControlledToken(busID: busID, nitrokey: key), nitrokey: key)
        }
    }
}
