import Checksums
import Foundation
import OTPCore

/// The OTP application of a YubiKey as a pure state machine over 8-byte feature reports
/// (`../shared/reference/yubikey-otp.md`): frame reassembly, write flag, CRCs, access codes, programming sequence,
/// the serial command, and OATH-HOTP codes on a touch. Written apart from the host driver.
public struct YubiKeyFirmware: Sendable {
    public typealias Persist = (YubiKeyState) -> Bool
    public static let firmware: (UInt8, UInt8, UInt8) = (2, 4, 3)

    public private(set) var state: YubiKeyState
    private var frame = [UInt8](repeating: 0, count: 70)
    private var lastSequence = -1
    private var response: [UInt8] = []
    private var responseOffset = 0
    /// Status reads left during which the key is still busy storing a configuration: it shows SLOT_WRITE_FLAG
    /// and ignores writes, as a real key does for the ~10-900 ms a flash write takes.
    private var busyReads = 0
    public static let busyReadsAfterWrite = 2

    public init(state: YubiKeyState) {
        self.state = state
    }

    /// What a touch typed, or why it typed nothing.
    public enum TouchOutcome: Equatable, Sendable {
        case typed(String)
        case slotNotHOTP
    }

    /// GET_REPORT: a pending response piece (0x40 | sequence), then 0x40 with sequence 0 to mark its end until the
    /// host resets, else the status report.
    public mutating func currentReport() -> [UInt8] {
        if !response.isEmpty {
            guard responseOffset < response.count else { return [0, 0, 0, 0, 0, 0, 0, 0x40] }
            let piece = Array(response[responseOffset..<min(responseOffset + 7, response.count)])
            let report = piece + [UInt8](repeating: 0, count: 7 - piece.count) + [0x40 | UInt8(responseOffset / 7)]
            responseOffset += 7
            return report
        }
        if busyReads > 0 {
            busyReads -= 1
            return [0, Self.firmware.0, Self.firmware.1, Self.firmware.2, state.programmingSequence, 0, 0, 0x80]
        }
        var touchLevel: UInt16 = 0
        if state.slots[0] != nil { touchLevel |= 0x01 }
        if state.slots[1] != nil { touchLevel |= 0x02 }
        return [0, Self.firmware.0, Self.firmware.1, Self.firmware.2, state.programmingSequence,
                UInt8(touchLevel & 0xff), UInt8(touchLevel >> 8), 0]
    }

    /// SET_REPORT with one 8-byte report. Reports of another size never arrive (the USB layer STALLs them).
    /// `onFrame` is given each completed 70-byte frame (for logs and the byte-identity test); `YubiKeyToken` hands it
    /// on once the frame was executed, outside its lock.
    public mutating func receive(_ report: [UInt8], onFrame: ([UInt8]) -> Void = { _ in }, persist: Persist) {
        guard report.count == 8, busyReads == 0 else { return }  // a write while busy is ignored
        let control = report[7]
        guard control & 0x80 != 0 else { return }
        let sequence = Int(control & 0x1f)
        if control == 0x8F || control == 0xFF {  // reset: the host is done with a response
            response = []
            responseOffset = 0
            return
        }
        guard sequence <= 9 else { return }
        if sequence == 0 {
            frame = [UInt8](repeating: 0, count: 70)
            response = []
            responseOffset = 0
        } else if sequence <= lastSequence || lastSequence < 0 {
            lastSequence = -1  // out of order: the frame is abandoned
            return
        }
        frame.replaceSubrange((sequence * 7)..<(sequence * 7 + 7), with: report[0..<7])
        lastSequence = sequence
        if sequence == 9 {
            lastSequence = -1
            onFrame(frame)
            execute(persist: persist)
        }
    }

    /// A press of the button on `slot` (1 or 2): types the next OATH-HOTP code and advances the counter.
    public mutating func touch(slot: Int, persist: Persist) -> TouchOutcome {
        guard (1...2).contains(slot), let stored = state.slots[slot - 1], let oath = Self.oath(stored.configuration) else {
            return .slotNotHOTP
        }
        guard let hotp = try? HOTP(secret: oath.secret, digits: oath.digits) else { return .slotNotHOTP }
        var newState = state
        newState.slots[slot - 1]?.movingFactor = stored.movingFactor + 1
        guard persist(newState) else { return .slotNotHOTP }
        state = newState
        return .typed(oath.tokenID + hotp.code(counter: stored.movingFactor))
    }

    // MARK: Commands

    private mutating func execute(persist: Persist) {
        let payload = Array(frame[0..<64])
        let command = frame[64]
        let crc = UInt16(frame[65]) | UInt16(frame[66]) << 8
        guard CRC16.checksum(payload) == crc else { return }  // a bad frame is ignored: pgmSeq does not move
        switch command {
        case 0x01, 0x03:
            configure(slot: command == 0x01 ? 0 : 1, payload: payload, persist: persist)
            busyReads = Self.busyReadsAfterWrite
        case 0x06:
            busyReads = Self.busyReadsAfterWrite
            var newState = state
            newState.slots.swapAt(0, 1)
            newState.programmingSequence &+= 1
            if persist(newState) { state = newState }
        case 0x10:
            var serial: [UInt8] = []
            withUnsafeBytes(of: state.serial.bigEndian) { serial.append(contentsOf: $0) }
            let crc = ~CRC16.checksum(serial)
            response = serial + [UInt8(crc & 0xff), UInt8(crc >> 8)]
            responseOffset = 0
        default:
            break
        }
    }

    private mutating func configure(slot: Int, payload: [UInt8], persist: Persist) {
        let config = Array(payload[0..<52])
        let accessCode = Array(payload[52..<58])
        if let current = state.slots[slot] {
            // The slot's access code (bytes 38..43 of its configuration) must be presented.
            guard ConstantTime.equals(Array(current.configuration[38..<44]), accessCode) else { return }
        }
        var newState = state
        if config.allSatisfy({ $0 == 0 }) {
            newState.slots[slot] = nil
        } else {
            guard CRC16.checksum(config) == CRC16.residue else { return }
            let factor = UInt64(config[20]) << 8 | UInt64(config[21])
            let isOATH = config[46] & 0x40 != 0
            newState.slots[slot] = .init(configuration: config, movingFactor: isOATH ? factor * 16 : 0)
        }
        newState.programmingSequence &+= 1
        if newState.slots.allSatisfy({ $0 == nil }) { newState.programmingSequence = 0 }
        if persist(newState) { state = newState }
    }

    /// The OATH-HOTP parameters of a configuration, or nil for another kind of slot.
    static func oath(_ config: [UInt8]) -> (secret: Secret, digits: Int, tokenID: String)? {
        guard config.count == 52, config[46] & 0x40 != 0, config[47] & 0x20 == 0 else { return nil }  // 0x20: challenge-response
        guard let secret = try? Secret(bytes: Array(config[22..<38]) + Array(config[16..<20])) else { return nil }
        let fixedSize = min(Int(config[44]), 16)
        let fixed = Array(config[0..<fixedSize])
        let modhexAll = config[47] & 0x50 == 0x50, modhexFirst = config[47] & 0x10 != 0
        var tokenID = ""
        for (index, byte) in fixed.enumerated() {
            // OMP and TT are two characters each; MUI digits follow. Modhex where the flags say so, else hex.
            let modhex = modhexAll || (modhexFirst && index == 0)
            tokenID += modhex ? Modhex.encode([byte]) : Hex.encode([byte])
        }
        return (secret, config[47] & 0x02 != 0 ? 8 : 6, tokenID)
    }
}

/// Yubico's modhex: hex digits written with the keyboard-layout-safe letters cbdefghijklnrtuv.
enum Modhex {
    static let alphabet = Array("cbdefghijklnrtuv")

    static func encode(_ bytes: [UInt8]) -> String {
        String(bytes.flatMap { [alphabet[Int($0 >> 4)], alphabet[Int($0 & 0x0f)]] })
    }
}
