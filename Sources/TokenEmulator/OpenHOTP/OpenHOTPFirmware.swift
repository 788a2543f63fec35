import Foundation
import OTPCore

/// The OpenHOTP token firmware as a pure state machine (Firmware-spec/OpenHOTP).
///
/// It sees 64-byte feature reports and button presses, nothing of USB or USB/IP. Every change to the
/// persistent state goes through `persist`, which must make it durable before it returns true; only then
/// does the firmware adopt the new state and release an OK reply. If `persist` fails, the old state stands
/// and the reply is STORAGE_ERROR.
public struct OpenHOTPFirmware: Sendable {
    public typealias Persist = (OpenHOTPTokenState) -> Bool

    public static let firmwareVersion: (major: UInt8, minor: UInt8, patch: UInt8) = (1, 0, 0)
    public static let protocolVersion: UInt8 = 1
    public static let touchTimeout: TimeInterval = 15
    static let capabilities: UInt16 = 0x1F
    static let secretLengths = 16...64
    static let pinLengths = 4...16
    static let maxNameLength = 32
    static let resetConfirmation = Array("RSET".utf8)

    public private(set) var state: OpenHOTPTokenState
    public private(set) var adminSession = false
    private var staged: [UInt8] = []
    private var reply: [UInt8]
    private var pending: PendingGenerate?

    private struct PendingGenerate: Sendable {
        let sequence: UInt8
        let slot: Int
        let since: Date
    }

    /// What a press of the button did.
    public enum ButtonOutcome: Equatable, Sendable {
        /// Completed a GENERATE that was waiting for the touch.
        case completedRequest(slot: Int, code: String)
        /// No request was waiting: slot 0's code, as the token presents it to the user.
        case presented(slot: Int, code: String)
        case nothing
    }

    /// Starts as at power-up; `adminSession` lets a test begin inside an open session.
    public init(state: OpenHOTPTokenState, adminSession: Bool = false) {
        self.state = state
        self.adminSession = adminSession
        self.reply = OpenHOTPWire.reply(command: 0, sequence: 0, status: .noReply)
    }

    /// Since when a GENERATE has been waiting for the button, if one is.
    public var waitingForTouchSince: Date? { pending?.since }

    /// Power-up or bus reset: the admin session closes, staging and any waiting request are dropped.
    public mutating func reset() {
        adminSession = false
        staged = []
        pending = nil
        reply = OpenHOTPWire.reply(command: 0, sequence: 0, status: .noReply)
    }

    /// GET_REPORT: the current reply (a waiting touch request times out here).
    public mutating func currentReply(now: Date) -> [UInt8] {
        if let waiting = pending, now.timeIntervalSince(waiting.since) > Self.touchTimeout {
            pending = nil
            reply = OpenHOTPWire.reply(command: OpenHOTPWire.Command.generate.rawValue, sequence: waiting.sequence,
                                       status: .touchTimeout)
        }
        return reply
    }

    /// SET_REPORT with one 64-byte request. Reports of another size never reach the firmware (the USB layer STALLs them).
    public mutating func receive(_ report: [UInt8], now: Date, persist: Persist) {
        guard report.count == OpenHOTPWire.reportSize else { return }
        pending = nil
        switch OpenHOTPWire.parse(report) {
        case .failure(let rejected):
            reply = OpenHOTPWire.reply(command: rejected.command, sequence: rejected.sequence, status: rejected.status)
        case .success(let request):
            let outcome = handle(request)
            reply = commit(outcome, command: request.command, sequence: request.sequence, now: now, persist: persist)
        }
    }

    public mutating func pressButton(now: Date, persist: Persist) -> ButtonOutcome {
        _ = currentReply(now: now)  // a wait older than the timeout has ended: this press does not answer it
        if let waiting = pending {
            pending = nil
            let outcome = generateCode(slot: waiting.slot)
            reply = commit(outcome, command: OpenHOTPWire.Command.generate.rawValue, sequence: waiting.sequence, now: now,
                           persist: persist)
            guard outcome.status == .ok, reply[2] == OpenHOTPWire.Status.ok.rawValue else { return .nothing }
            return .completedRequest(slot: waiting.slot, code: Self.code(fromGeneratePayload: outcome.payload))
        }
        guard state.slots[0] != nil else { return .nothing }
        let outcome = generateCode(slot: 0)
        guard outcome.status == .ok, let newState = outcome.newState, persist(newState) else { return .nothing }
        state = newState
        return .presented(slot: 0, code: Self.code(fromGeneratePayload: outcome.payload))
    }

    // MARK: - Commands

    private struct Outcome {
        var status: OpenHOTPWire.Status
        var payload: [UInt8] = []
        var newState: OpenHOTPTokenState? = nil
        var opensSession = false
        var closesSession = false
        var waitsForTouch: Int? = nil
    }

    /// Applies an outcome: persists first, then adopts the state and builds the reply.
    private mutating func commit(_ outcome: Outcome, command: UInt8, sequence: UInt8, now: Date, persist: Persist) -> [UInt8] {
        if let newState = outcome.newState, newState != state {
            guard persist(newState) else {
                return OpenHOTPWire.reply(command: command, sequence: sequence, status: .storageError)
            }
            state = newState
        }
        if outcome.opensSession { adminSession = true }
        if outcome.closesSession { adminSession = false }
        if let slot = outcome.waitsForTouch {
            pending = PendingGenerate(sequence: sequence, slot: slot, since: now)
        }
        return OpenHOTPWire.reply(command: command, sequence: sequence, status: outcome.status, payload: outcome.payload)
    }

    private mutating func handle(_ request: OpenHOTPWire.Request) -> Outcome {
        guard let command = OpenHOTPWire.Command(rawValue: request.command) else { return Outcome(status: .unknownCommand) }
        let payload = request.payload
        switch command {
        case .getInfo:
            guard payload.isEmpty else { return Outcome(status: .malformedFrame) }
            return Outcome(status: .ok, payload: infoPayload())
        case .readSlot:
            return withSlot(payload) { slot in Outcome(status: .ok, payload: slotPayload(slot)) }
        case .stageSecret:
            return stageSecret(payload)
        case .writeSlot:
            defer { staged = [] }
            return writeSlot(payload)
        case .readCounter:
            return withSlot(payload) { slot in
                guard let stored = state.slots[slot] else { return Outcome(status: .slotEmpty) }
                var reply: [UInt8] = [UInt8(slot)]
                reply.appendBigEndian(stored.counter)
                return Outcome(status: .ok, payload: reply)
            }
        case .generate:
            return withSlot(payload) { slot in
                guard let stored = state.slots[slot] else { return Outcome(status: .slotEmpty) }
                guard stored.counter < UInt64.max else { return Outcome(status: .counterExhausted) }
                if stored.touch { return Outcome(status: .pending, waitsForTouch: slot) }
                return generateCode(slot: slot)
            }
        case .eraseSlot:
            guard payload.count == 1 else { return Outcome(status: .malformedFrame) }
            if let refusal = adminRefusal() { return refusal }
            return withSlot(payload) { slot in
                var newState = state
                newState.slots[slot] = nil
                return Outcome(status: .ok, payload: [UInt8(slot)], newState: newState)
            }
        case .setPIN:
            return setPIN(payload)
        case .verifyPIN:
            return verifyPIN(payload)
        case .factoryReset:
            guard payload == Self.resetConfirmation else { return Outcome(status: .invalidParameter) }
            return Outcome(status: .ok, newState: OpenHOTPTokenState(serial: state.serial), closesSession: true)
        }
    }

    private func withSlot(_ payload: [UInt8], _ body: (Int) -> Outcome) -> Outcome {
        guard payload.count == 1 else { return Outcome(status: .malformedFrame) }
        let slot = Int(payload[0])
        guard slot < state.slots.count else { return Outcome(status: .invalidSlot) }
        return body(slot)
    }

    private func adminRefusal() -> Outcome? {
        guard state.pin != nil else { return nil }
        if state.pinLocked { return Outcome(status: .pinLocked, payload: [0]) }
        return adminSession ? nil : Outcome(status: .authRequired)
    }

    private func infoPayload() -> [UInt8] {
        var info: [UInt8] = []
        info.appendBigEndian(state.serial)
        info += [Self.firmwareVersion.major, Self.firmwareVersion.minor, Self.firmwareVersion.patch,
                 Self.protocolVersion, UInt8(state.slots.count)]
        info.appendBigEndian(Self.capabilities)
        let pinFlags: UInt8 = (state.pin != nil ? 1 : 0) | (adminSession ? 2 : 0) | (state.pinLocked ? 4 : 0)
        info += [pinFlags, UInt8(state.pinRetries), UInt8(Self.secretLengths.upperBound), UInt8(Self.maxNameLength)]
        return info
    }

    private func slotPayload(_ slot: Int) -> [UInt8] {
        guard let stored = state.slots[slot] else { return [UInt8(slot), 0, 0, 0, 0] + [UInt8](repeating: 0, count: 9) }
        let name = Array(stored.name.utf8)
        var payload = [UInt8(slot), 1, Self.wireAlgorithm(stored.algorithm).rawValue, UInt8(stored.digits), stored.touch ? 1 : 0]
        payload.appendBigEndian(stored.counter)
        return payload + [UInt8(name.count)] + name
    }

    private mutating func stageSecret(_ payload: [UInt8]) -> Outcome {
        guard payload.count >= 2 else { return Outcome(status: .malformedFrame) }
        let offset = Int(payload[0])
        let chunk = payload[1...]
        if offset == 0 { staged = [] }
        guard offset == staged.count else { return Outcome(status: .badSequence) }
        guard staged.count + chunk.count <= Self.secretLengths.upperBound else { return Outcome(status: .invalidParameter) }
        staged += chunk
        return Outcome(status: .ok, payload: [UInt8(staged.count)])
    }

    private func writeSlot(_ payload: [UInt8]) -> Outcome {
        if let refusal = adminRefusal() { return refusal }
        guard let slotByte = payload.first else { return Outcome(status: .malformedFrame) }
        let slot = Int(slotByte)
        guard slot < state.slots.count else { return Outcome(status: .invalidSlot) }
        guard payload.count >= 14, payload.count == 14 + Int(payload[13]) else { return Outcome(status: .malformedFrame) }
        guard let algorithm = OpenHOTPWire.Algorithm(rawValue: payload[1]),
              OTPDigits.allowed.contains(Int(payload[2])),
              payload[3] & ~1 == 0,
              Self.secretLengths.contains(Int(payload[12])), Int(payload[12]) == staged.count,
              Int(payload[13]) <= Self.maxNameLength,
              let name = String(validating: payload[14...], as: UTF8.self),
              let secret = try? Secret(bytes: staged)
        else { return Outcome(status: .invalidParameter) }
        let counter = payload[4..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        var newState = state
        newState.slots[slot] = OpenHOTPTokenState.Slot(
            secret: secret, algorithm: Self.otpAlgorithm(algorithm), digits: Int(payload[2]), counter: counter,
            name: name, touch: payload[3] & 1 == 1)
        return Outcome(status: .ok, payload: [UInt8(slot)], newState: newState)
    }

    /// The code for the slot's counter, and the state with the counter advanced past it.
    private func generateCode(slot: Int) -> Outcome {
        guard let stored = state.slots[slot] else { return Outcome(status: .slotEmpty) }
        guard stored.counter < UInt64.max else { return Outcome(status: .counterExhausted) }
        guard let hotp = try? HOTP(secret: stored.secret, algorithm: stored.algorithm, digits: stored.digits) else {
            return Outcome(status: .invalidParameter)
        }
        var newState = state
        newState.slots[slot]?.counter = stored.counter + 1
        var payload: [UInt8] = [UInt8(slot)]
        payload.appendBigEndian(stored.counter)
        payload.append(UInt8(stored.digits))
        payload += Array(hotp.code(counter: stored.counter).utf8)
        return Outcome(status: .ok, payload: payload, newState: newState)
    }

    private func setPIN(_ payload: [UInt8]) -> Outcome {
        if state.pinLocked { return Outcome(status: .pinLocked, payload: [0]) }
        guard let currentLength = payload.first.map(Int.init), payload.count >= 2 + currentLength else {
            return Outcome(status: .malformedFrame)
        }
        let current = Array(payload[1..<(1 + currentLength)])
        let newLength = Int(payload[1 + currentLength])
        guard payload.count == 2 + currentLength + newLength else { return Outcome(status: .malformedFrame) }
        let replacement = Array(payload[(2 + currentLength)...])
        guard Self.pinLengths.contains(replacement.count) else { return Outcome(status: .invalidParameter) }
        var newState = state
        if let pin = state.pin {
            guard pin.matches(current) else { return failedVerification() }
        } else if !current.isEmpty {
            return Outcome(status: .invalidParameter)
        }
        newState.pin = OpenHOTPTokenState.PINHash(pin: replacement)
        newState.pinRetries = OpenHOTPTokenState.maxPINRetries
        return Outcome(status: .ok, payload: [UInt8(newState.pinRetries)], newState: newState)
    }

    private func verifyPIN(_ payload: [UInt8]) -> Outcome {
        guard let length = payload.first.map(Int.init), payload.count == 1 + length else {
            return Outcome(status: .malformedFrame)
        }
        guard let pin = state.pin else {
            return Outcome(status: .ok, payload: [UInt8(state.pinRetries)])
        }
        guard !state.pinLocked else { return Outcome(status: .pinLocked, payload: [0]) }
        guard pin.matches(Array(payload[1...])) else { return failedVerification() }
        var newState = state
        newState.pinRetries = OpenHOTPTokenState.maxPINRetries
        return Outcome(status: .ok, payload: [UInt8(newState.pinRetries)], newState: newState, opensSession: true)
    }

    private func failedVerification() -> Outcome {
        var newState = state
        newState.pinRetries = max(0, state.pinRetries - 1)
        let status: OpenHOTPWire.Status = newState.pinRetries == 0 ? .pinLocked : .wrongPIN
        return Outcome(status: status, payload: [UInt8(newState.pinRetries)], newState: newState)
    }

    private static func code(fromGeneratePayload payload: [UInt8]) -> String {
        String(decoding: payload[10...], as: UTF8.self)
    }

    private static func wireAlgorithm(_ algorithm: OTPAlgorithm) -> OpenHOTPWire.Algorithm {
        switch algorithm {
        case .sha1: .sha1
        case .sha256: .sha256
        case .sha512: .sha512
        }
    }

    private static func otpAlgorithm(_ algorithm: OpenHOTPWire.Algorithm) -> OTPAlgorithm {
        switch algorithm {
        case .sha1: .sha1
        case .sha256: .sha256
        case .sha512: .sha512
        }
    }
}
