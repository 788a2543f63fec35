import OTPCore

/// The commands one model has and the other does not, as libnitrokey (and so nitropy) sends them: the Pro's
/// FIRMWARE_UPDATE and FIRMWARE_PASSWORD_CHANGE; the Storage's ENABLE_FIRMWARE_UPDATE, GET_DEVICE_STATUS and
/// CHANGE_UPDATE_PIN. A model answers the other's commands as an unknown command, as the real keys do.
extension NitrokeyFirmware {
    /// The Storage's own status of a "stick 2.0" command (libnitrokey's `stick20::device_status`), in the storage
    /// status bytes of the answer; libnitrokey reads it instead of the command status for these commands.
    enum StorageStatus: UInt8 {
        case idle = 0, ok, busy, wrongPassword
    }

    /// Where in the answer's payload (which starts at byte 7 of the report) the storage status and the storage
    /// data begin: bytes 21 and 26 of the report with its id byte in front, in libnitrokey's count.
    static let storageStatusOffset = 13, storageDataOffset = 18

    func isKnown(_ command: Command) -> Bool {
        switch command {
        case .firmwareUpdate, .firmwarePasswordChange: model == .pro
        case .enableFirmwareUpdate, .getDeviceStatus, .changeUpdatePassword: model == .storage
        default: true
        }
    }

    mutating func modelCommand(_ command: Command, _ payload: [UInt8], persist: Persist) -> (Status, [UInt8]) {
        switch command {
        case .firmwareUpdate:  // password[20]
            guard isUpdatePassword(payload[0..<20]) else { return (.wrongPassword, []) }
            leavesForBootloader = true
            return (.ok, [])
        case .firmwarePasswordChange:  // current[20], new[20]
            guard isUpdatePassword(payload[0..<20]) else { return (.wrongPassword, []) }
            return setUpdatePassword(payload[20..<40], persist: persist) ? (.ok, []) : (.notSupported, [])
        case .enableFirmwareUpdate:  // kind, password[20]
            guard isUpdatePassword(payload[1..<21]) else { return storageAnswer(command, .wrongPassword) }
            leavesForBootloader = true
            return storageAnswer(command, .ok)
        case .changeUpdatePassword:  // gap, current[20], gap, new[20]
            guard isUpdatePassword(payload[1..<21]) else { return storageAnswer(command, .wrongPassword) }
            return storageAnswer(command, setUpdatePassword(payload[22..<42], persist: persist) ? .ok : .busy)
        case .getDeviceStatus:
            return storageAnswer(command, .ok, data: deviceStatus())
        default:
            return (.unknownCommand, [])
        }
    }

    /// The key has left for its bootloader once: the host read the answer that said so.
    mutating func takeLeaveForBootloader() -> Bool {
        defer { leavesForBootloader = false }
        return leavesForBootloader
    }

    /// A storage command's answer: the storage status (command counter, command, status, progress) and its data.
    private mutating func storageAnswer(_ command: Command, _ status: StorageStatus, data: [UInt8] = []) -> (Status, [UInt8]) {
        storageCommandCounter &+= 1
        var payload = [UInt8](repeating: 0, count: Self.storageStatusOffset)
        payload += [storageCommandCounter, command.rawValue, status.rawValue, 0, 0]
        return (.ok, payload + data)
    }

    /// GET_DEVICE_STATUS's data, libnitrokey's `DeviceConfigurationResponsePacket` after the four transmission bytes:
    /// volumes read-write and none active, firmware 0.57 (build iteration 0: a release), not locked, no new SD or
    /// smart card, the PIN retry counters, and the smart card's id, which libnitrokey takes for the serial number.
    private func deviceStatus() -> [UInt8] {
        var data: [UInt8] = [0, 0, 0, 0]       // send counter, data type, follow bytes, size
        data += [0, 0]                          // magic number of the stick configuration
        data += [0, 0]                          // uncrypted and crypted volumes read-write
        data += [version.major, version.minor, 0, 0]
        data += [0, 0, 0, 0]                    // hidden volume, firmware locked, new SD card, SD filled with random
        data += le32(state.serial)              // SD card id
        data += [0, 0]                          // no volume active, no new smart card
        data += [UInt8(state.userRetries), UInt8(state.adminRetries)]
        data += le32(state.serial)              // smart card id
        data += [0]                             // the keys are initiated
        return data
    }

    private func isUpdatePassword(_ presented: ArraySlice<UInt8>) -> Bool {
        ConstantTime.equals(Array(presented.prefix(while: { $0 != 0 })), Array(state.updatePassword.utf8))
    }

    private mutating func setUpdatePassword(_ field: ArraySlice<UInt8>, persist: Persist) -> Bool {
        let new = Array(field.prefix(while: { $0 != 0 }))
        guard !new.isEmpty else { return false }
        var newState = state
        newState.updatePassword = String(decoding: new, as: UTF8.self)
        guard persist(newState) else { return false }
        state = newState
        return true
    }

    private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
