import Foundation
import OTPCore

/// The host side of the OpenHOTP protocol over any feature-report channel.
public final class OpenHOTPDriver {
    public static let maxSecretLength = 64
    public static let minSecretLength = 16
    public static let maxNameLength = 32
    static let stageChunk = 55
    static let factoryResetConfirmation: [UInt8] = Array("RSET".utf8)

    private let channel: FeatureReportChannel
    private var sequence: UInt8
    /// How long to wait for the button while the token answers PENDING.
    public var touchTimeout: TimeInterval = 20
    public var pollInterval: TimeInterval = 0.05
    /// The pause between polls; cancelling it ends a wait for the button at once.
    public var pollWait = PollWait()

    public init(channel: FeatureReportChannel, firstSequence: UInt8 = 1) {
        self.channel = channel
        self.sequence = firstSequence
    }

    // MARK: Commands

    public func info() throws(OpenHOTPError) -> OpenHOTPDeviceInfo {
        var reader = OpenHOTPPayloadReader(try transact(.getInfo))
        let serial = try reader.uint32()
        let firmware = "\(try reader.byte()).\(try reader.byte()).\(try reader.byte())"
        let protocolVersion = Int(try reader.byte())
        let slotCount = Int(try reader.byte())
        let capabilities = try reader.uint16()
        let pinFlags = try reader.byte()
        return OpenHOTPDeviceInfo(
            serial: serial, firmware: firmware, protocolVersion: protocolVersion, slotCount: slotCount,
            capabilities: capabilities, pinSet: pinFlags & 1 != 0, adminSession: pinFlags & 2 != 0,
            pinLocked: pinFlags & 4 != 0, pinRetries: Int(try reader.byte()),
            maxSecretLength: Int(try reader.byte()), maxNameLength: Int(try reader.byte()))
    }

    public func readSlot(_ slot: Int) throws(OpenHOTPError) -> OpenHOTPSlotInfo {
        var reader = OpenHOTPPayloadReader(try transact(.readSlot, [try slotByte(slot)]))
        let number = Int(try reader.byte())
        guard try reader.byte() == 1 else { return OpenHOTPSlotInfo(slot: number, programmed: false) }
        let algorithmCode = try reader.byte()
        guard let algorithm = OTPAlgorithm(openHOTPCode: algorithmCode) else {
            throw .malformedReply("unknown algorithm code \(algorithmCode)")
        }
        let digits = Int(try reader.byte())
        let flags = try reader.byte()
        let counter = try reader.uint64()
        let nameLength = Int(try reader.byte())
        guard let name = String(validating: try reader.bytes(nameLength), as: UTF8.self) else {
            throw .malformedReply("slot name is not UTF-8")
        }
        return OpenHOTPSlotInfo(slot: number, programmed: true, algorithm: algorithm, digits: digits,
                                touch: flags & 1 != 0, counter: counter, name: name)
    }

    /// Stages the secret and writes the slot; the token replaces the slot atomically or not at all.
    public func writeSlot(_ slot: Int, _ configuration: OpenHOTPSlotConfiguration) throws(OpenHOTPError) {
        let secret = configuration.secret.bytes
        guard (Self.minSecretLength...Self.maxSecretLength).contains(secret.count) else {
            throw .invalidRequest("the secret must be \(Self.minSecretLength) to \(Self.maxSecretLength) bytes long, not \(secret.count)")
        }
        guard OTPDigits.allowed.contains(configuration.digits) else {
            throw .invalidRequest(OTPError.digitsOutOfRange(configuration.digits).description)
        }
        let name = Array(configuration.name.utf8)
        guard name.count <= Self.maxNameLength else {
            throw .invalidRequest("the name is \(name.count) bytes long; at most \(Self.maxNameLength) fit")
        }
        let slotNumber = try slotByte(slot)
        var offset = 0
        while offset < secret.count {
            let chunk = Array(secret[offset..<min(offset + Self.stageChunk, secret.count)])
            _ = try transact(.stageSecret, [UInt8(offset)] + chunk)
            offset += chunk.count
        }
        var payload = [slotNumber, configuration.algorithm.openHOTPCode, UInt8(configuration.digits),
                       configuration.touch ? 1 : 0]
        payload += withUnsafeBytes(of: configuration.counter.bigEndian, Array.init)
        payload += [UInt8(secret.count), UInt8(name.count)] + name
        _ = try transact(.writeSlot, payload)
    }

    public func readCounter(_ slot: Int) throws(OpenHOTPError) -> UInt64 {
        var reader = OpenHOTPPayloadReader(try transact(.readCounter, [try slotByte(slot)]))
        _ = try reader.byte()
        return try reader.uint64()
    }

    /// What a button press does: the next code, and the counter it used (the token advances past it).
    public func generate(_ slot: Int) throws(OpenHOTPError) -> OpenHOTPCode {
        var reader = OpenHOTPPayloadReader(try transact(.generate, [try slotByte(slot)]))
        let number = Int(try reader.byte())
        let counter = try reader.uint64()
        let digits = Int(try reader.byte())
        let codeBytes = try reader.bytes(digits)
        guard codeBytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw .malformedReply("the code is not decimal digits")
        }
        return OpenHOTPCode(slot: number, counter: counter, code: String(decoding: codeBytes, as: UTF8.self))
    }

    public func eraseSlot(_ slot: Int) throws(OpenHOTPError) {
        _ = try transact(.eraseSlot, [try slotByte(slot)])
    }

    /// Sets or changes the admin PIN; returns the retries left.
    @discardableResult
    public func setPIN(current: String?, new: String) throws(OpenHOTPError) -> Int {
        let old = try pinBytes(current ?? "", allowEmpty: true)
        let replacement = try pinBytes(new, allowEmpty: false)
        var reader = OpenHOTPPayloadReader(try transact(.setPIN, [UInt8(old.count)] + old + [UInt8(replacement.count)] + replacement))
        return Int(try reader.byte())
    }

    /// Opens the admin session; returns the retries left (3 after success).
    @discardableResult
    public func verifyPIN(_ pin: String) throws(OpenHOTPError) -> Int {
        let bytes = try pinBytes(pin, allowEmpty: false)
        var reader = OpenHOTPPayloadReader(try transact(.verifyPIN, [UInt8(bytes.count)] + bytes))
        return Int(try reader.byte())
    }

    public func factoryReset() throws(OpenHOTPError) {
        _ = try transact(.factoryReset, Self.factoryResetConfirmation)
    }

    // MARK: Framing

    /// Sends one request and returns the OK reply's payload, polling while the token waits for its button.
    func transact(_ command: OpenHOTPCommand, _ payload: [UInt8] = []) throws(OpenHOTPError) -> [UInt8] {
        let request = OpenHOTPFrame(command: command.rawValue, sequence: sequence, payload: payload)
        sequence &+= 1
        do {
            try channel.setFeatureReport(request.encoded())
        } catch {
            throw .transport(error)
        }
        let deadline = Date(timeIntervalSinceNow: touchTimeout)
        while true {
            let reply = try readReply()
            guard reply.command == request.command, reply.sequence == request.sequence else {
                throw .staleReply(expectedSequence: request.sequence, received: reply.sequence)
            }
            guard let status = OpenHOTPStatus(rawValue: reply.statusByte) else {
                throw .malformedReply("unknown status 0x\(String(reply.statusByte, radix: 16))")
            }
            switch status {
            case .ok:
                return reply.payload
            case .pending where Date() < deadline:
                do { try pollWait.pause(pollInterval) } catch { throw .transport(error) }
            case .pending:
                throw .refused(.touchTimeout, retriesLeft: nil)
            case .wrongPIN, .pinLocked:
                throw .refused(status, retriesLeft: reply.payload.first.map(Int.init))
            default:
                throw .refused(status, retriesLeft: nil)
            }
        }
    }

    /// GET_REPORT, re-read up to twice when the CRC fails: the token keeps its reply until the next request.
    private func readReply() throws(OpenHOTPError) -> OpenHOTPFrame {
        for _ in 0..<3 {
            let bytes: [UInt8]
            do {
                bytes = try channel.getFeatureReport(length: OpenHOTPFrame.size)
            } catch {
                throw .transport(error)
            }
            do {
                return try OpenHOTPFrame(decoding: bytes)
            } catch .badCRC {
                continue
            } catch .wrongSize(let size) {
                throw .transport(.shortTransfer(expected: OpenHOTPFrame.size, actual: size))
            } catch {
                throw .malformedReply("\(error)")
            }
        }
        throw .corruptedReply
    }

    private func slotByte(_ slot: Int) throws(OpenHOTPError) -> UInt8 {
        guard (0...255).contains(slot) else { throw .invalidRequest("slot \(slot) does not exist") }
        return UInt8(slot)
    }

    private func pinBytes(_ pin: String, allowEmpty: Bool) throws(OpenHOTPError) -> [UInt8] {
        let bytes = Array(pin.utf8)
        if allowEmpty && bytes.isEmpty { return [] }
        guard (4...16).contains(bytes.count) else { throw .invalidRequest("a PIN must be 4 to 16 bytes long") }
        return bytes
    }
}
