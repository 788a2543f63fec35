import Checksums
import Foundation
import OTPCore

/// The HOTP part of a Nitrokey Pro (firmware 0.12) or Storage (firmware 0.57) as a pure state machine over 64-byte
/// feature reports (`../shared/reference/nitrokey-pro.md`): CRC checks, admin and user PINs with retry counters and
/// lockout, temporary passwords, the SEND_OTP_DATA + WRITE_TO_SLOT flow, READ_SLOT, GET_CODE and ERASE_SLOT; and of
/// each model's own commands, what the vendors' tools ask (`NitrokeyFirmware+ModelCommands.swift`).
public struct NitrokeyFirmware: Sendable {
    public typealias Persist = (NitrokeyState) -> Bool

    enum Command: UInt8 {
        case getStatus = 0x00, writeToSlot = 0x01, readSlotName = 0x02, readSlot = 0x03, getCode = 0x04, eraseSlot = 0x06
        case firstAuthenticate = 0x07, getPasswordRetryCount = 0x09, userAuthenticate = 0x0E
        case getUserPasswordRetryCount = 0x0F, sendOTPData = 0x17
        /// Nitrokey Pro only: to the bootloader with the update password; change that password.
        case firmwareUpdate = 0x19, firmwarePasswordChange = 0x1A
        /// Nitrokey Storage only ("stick 2.0" commands, 0x20 and up): to the bootloader, the device status, change
        /// the update password.
        case enableFirmwareUpdate = 0x24, getDeviceStatus = 0x2E, changeUpdatePassword = 0x3A
    }

    enum Status: UInt8 {
        case ok = 0, wrongCRC, wrongSlot, slotNotProgrammed, wrongPassword, notAuthorized, timestampWarning, noName
        case notSupported, unknownCommand
    }

    public internal(set) var state: NitrokeyState
    public let model: NitrokeyToken.Model
    /// The update password was given: once the host has read that answer, the key leaves the bus for its
    /// bootloader (which is not emulated), as the real key does.
    public internal(set) var leavesForBootloader = false
    /// Storage commands answered so far (the storage status's command counter).
    var storageCommandCounter: UInt8 = 0
    private var adminTemporary: [UInt8]?
    private var stagedName: [UInt8]?
    private var stagedSecret = [UInt8](repeating: 0, count: 40)
    private var stagedSecretLength = 0
    private var reply = [UInt8](repeating: 0, count: 64)
    /// GET_REPORTs left during which the key is still busy with a slot write (device status 1); SET_REPORTs in that
    /// time are ignored, as the firmware does while it is not ready.
    private var busyReads = 0

    public init(state: NitrokeyState, model: NitrokeyToken.Model = .pro) {
        self.state = state
        self.model = model
    }

    /// The firmware version each model reports (GET_STATUS; the Storage also in its device status).
    public var version: (major: UInt8, minor: UInt8) { model == .pro ? (0, 12) : (0, 57) }

    /// GET_REPORT: the answer to the last request; byte 0 (the device status) reads busy while a write goes on.
    public mutating func currentReport() -> [UInt8] {
        guard busyReads > 0 else { return reply }
        busyReads -= 1
        return [1] + reply[1...]
    }

    /// SET_REPORT with one 64-byte request.
    public mutating func receive(_ report: [UInt8], persist: Persist) {
        guard report.count == 64, busyReads == 0 else { return }
        let command = report[0]
        let crc = UInt32(report[60]) | UInt32(report[61]) << 8 | UInt32(report[62]) << 16 | UInt32(report[63]) << 24
        guard STM32CRC32.checksum(report[0..<60]) == crc else {
            reply = Self.response(command: command, requestCRC: crc, status: .wrongCRC)
            return
        }
        let payload = Array(report[1..<60])
        let (status, answer) = handle(command, payload, persist: persist)
        reply = Self.response(command: command, requestCRC: crc, status: status, payload: answer)
        if command == Command.writeToSlot.rawValue && status == .ok { busyReads = 1 }
    }

    /// [status][command][request CRC][command status][payload 53][CRC of bytes 0..59, byte 0 zero while computed].
    static func response(command: UInt8, requestCRC: UInt32, status: Status, payload: [UInt8] = []) -> [UInt8] {
        var bytes: [UInt8] = [0, command]
        Swift.withUnsafeBytes(of: requestCRC.littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(status.rawValue)
        bytes += Array(payload.prefix(53)) + [UInt8](repeating: 0, count: 53 - min(53, payload.count))
        let crc = STM32CRC32.checksum(bytes)
        Swift.withUnsafeBytes(of: crc.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    private mutating func handle(_ code: UInt8, _ payload: [UInt8], persist: Persist) -> (Status, [UInt8]) {
        guard let command = Command(rawValue: code), isKnown(command) else { return (.unknownCommand, []) }
        switch command {
        case .firmwareUpdate, .firmwarePasswordChange, .enableFirmwareUpdate, .getDeviceStatus, .changeUpdatePassword:
            return modelCommand(command, payload, persist: persist)
        case .getStatus:
            var answer: [UInt8] = [version.minor, version.major]
            Swift.withUnsafeBytes(of: state.serial.littleEndian) { answer.append(contentsOf: $0) }
            return (.ok, answer + [0, 0, 0, 0, 0])
        case .getPasswordRetryCount:
            return (.ok, [UInt8(state.adminRetries)])
        case .getUserPasswordRetryCount:
            return (.ok, [UInt8(state.userRetries)])
        case .firstAuthenticate:
            return authenticate(payload, admin: true, persist: persist)
        case .userAuthenticate:
            return authenticate(payload, admin: false, persist: persist)
        case .sendOTPData:
            guard isAdmin(payload[0..<25]) else { return (.notAuthorized, []) }
            let chunk = Array(payload[27..<57])
            switch payload[25] {
            case UInt8(ascii: "N"):
                stagedName = Array(chunk.prefix(15))
            case UInt8(ascii: "S"):
                let offset = Int(payload[26]) * 30
                guard offset < 40 else { return (.wrongSlot, []) }
                if offset == 0 { stagedSecret = [UInt8](repeating: 0, count: 40) }
                let count = min(30, 40 - offset)
                stagedSecret.replaceSubrange(offset..<(offset + count), with: chunk.prefix(count))
                stagedSecretLength = max(stagedSecretLength, offset + count)
            default:
                return (.notSupported, [])
            }
            return (.ok, [])
        case .writeToSlot:
            guard isAdmin(payload[0..<25]) else { return (.notAuthorized, []) }
            guard let index = Self.hotpSlot(payload[25]) else { return (.wrongSlot, []) }
            defer {
                stagedName = nil
                stagedSecretLength = 0
            }
            guard let name = stagedName?.prefix(while: { $0 != 0 }), !name.isEmpty else { return (.noName, []) }
            guard stagedSecretLength > 0 else { return (.notAuthorized, []) }
            var newState = state
            newState.slots[index] = .init(name: String(decoding: name, as: UTF8.self), secret: stagedSecret, config: payload[34],
                                          tokenID: Array(payload[35..<48]),
                                          counter: payload[26..<34].reversed().reduce(0) { $0 << 8 | UInt64($1) })
            return persist(newState) ? { state = newState; return (.ok, []) }() : (.notSupported, [])
        case .readSlotName, .readSlot:
            guard let index = Self.hotpSlot(payload[0]) else { return (.wrongSlot, []) }
            guard let slot = state.slots[index] else { return (.slotNotProgrammed, []) }
            let name = Array(slot.name.utf8.prefix(15))
            var answer = name + [UInt8](repeating: 0, count: 15 - name.count)
            if command == .readSlotName { return (.ok, answer) }
            answer += [slot.config] + slot.tokenID
            Swift.withUnsafeBytes(of: slot.counter.littleEndian) { answer.append(contentsOf: $0) }
            return (.ok, answer)
        case .getCode:
            guard let index = Self.hotpSlot(payload[0]) else { return (.wrongSlot, []) }
            guard let slot = state.slots[index] else { return (.slotNotProgrammed, []) }
            let digits = slot.config & 0x01 != 0 ? 8 : 6
            guard let secret = try? Secret(bytes: slot.secret), let hotp = try? HOTP(secret: secret, digits: digits) else {
                return (.slotNotProgrammed, [])
            }
            var newState = state
            newState.slots[index]?.counter = slot.counter + 1
            guard persist(newState) else { return (.notSupported, []) }
            state = newState
            var answer: [UInt8] = []
            Swift.withUnsafeBytes(of: UInt32(hotp.value(counter: slot.counter)).littleEndian) { answer.append(contentsOf: $0) }
            return (.ok, answer + [slot.config] + slot.tokenID)
        case .eraseSlot:
            guard let index = Self.hotpSlot(payload[0]) else { return (.wrongSlot, []) }
            guard isAdmin(payload[1..<26]) else { return (.notAuthorized, []) }
            var newState = state
            newState.slots[index] = nil
            return persist(newState) ? { state = newState; return (.ok, []) }() : (.notSupported, [])
        }
    }

    /// Checks a PIN; on success the temporary password authorises later commands. Failures count down to a lockout.
    private mutating func authenticate(_ payload: [UInt8], admin: Bool, persist: Persist) -> (Status, [UInt8]) {
        let presented = Array(payload[0..<25].prefix(while: { $0 != 0 }))
        var newState = state
        let retries = admin ? state.adminRetries : state.userRetries
        let pin = Array((admin ? state.adminPIN : state.userPIN).utf8)
        guard retries > 0, ConstantTime.equals(presented, pin) else {
            if retries > 0 {
                if admin { newState.adminRetries -= 1 } else { newState.userRetries -= 1 }
                if persist(newState) { state = newState }
            }
            return (.wrongPassword, [])
        }
        if admin { newState.adminRetries = NitrokeyState.maxRetries } else { newState.userRetries = NitrokeyState.maxRetries }
        guard persist(newState) else { return (.notSupported, []) }
        state = newState
        let temporary = Array(payload[25..<50])
        if admin { adminTemporary = temporary }
        return (.ok, [])
    }

    private func isAdmin(_ presented: ArraySlice<UInt8>) -> Bool {
        guard let adminTemporary else { return false }
        return ConstantTime.equals(Array(presented), adminTemporary)
    }

    /// HOTP slots are 0x10 + n on the wire, n in 0..2.
    static func hotpSlot(_ wire: UInt8) -> Int? {
        (0x10...0x12).contains(wire) ? Int(wire - 0x10) : nil
    }
}
