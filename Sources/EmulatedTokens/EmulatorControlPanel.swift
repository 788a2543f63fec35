import EmulatorControl
import TokenEmulator

/// One emulated token as the control protocol reaches it: its bus id, and how to press it and report its state.
public struct ControlledToken: Sendable {
    public let busID: String
    public let press: @Sendable (_ slot: Int?) -> PressOutcome
    public let report: @Sendable () -> TokenStateReport

    public init(busID: String, press: @escaping @Sendable (Int?) -> PressOutcome, report: @escaping @Sendable () -> TokenStateReport) {
        self.busID = busID
        self.press = press
        self.report = report
    }

    public init(busID: String, openHOTP token: OpenHOTPToken) {
        self.init(busID: busID, press: { _ in
            switch token.pressButton() {
            case .presented(_, let code), .completedRequest(_, let code): .typed(code)
            case .nothing: .nothing("slot 0 empty")
            }
        }, report: {
            let state = token.state
            return TokenStateReport(
                family: "openhotp", serial: state.serial, plugged: true,
                slots: state.slots.enumerated().map { .init(slot: $0.offset, programmed: $0.element != nil, counter: $0.element?.counter) },
                pinTriesLeft: state.pin == nil ? [] : [("admin", state.pinRetries)])
        })
    }

    public init(busID: String, yubiKey key: YubiKeyToken) {
        self.init(busID: busID, press: { slot in
            if case .typed(let text) = key.touch(slot: slot.flatMap { $0 == 0 ? nil : $0 } ?? 1) { .typed(text) } else { .nothing("slot not OATH-HOTP") }
        }, report: {
            let state = key.state
            return TokenStateReport(
                family: "yubikey", serial: state.serial, plugged: true,
                slots: state.slots.enumerated().map { .init(slot: $0.offset + 1, programmed: $0.element != nil, counter: $0.element?.movingFactor) },
                pinTriesLeft: [])
        })
    }

    public init(busID: String, nitrokey key: NitrokeyToken) {
        self.init(busID: busID, press: { _ in .nothing("a Nitrokey types nothing by itself") }, report: {
            let state = key.state
            return TokenStateReport(
                family: key.model == .pro ? "nitrokey-pro" : "nitrokey-storage", serial: state.serial, plugged: true,
                slots: state.slots.enumerated().map { .init(slot: $0.offset, programmed: $0.element != nil, counter: $0.element?.counter) },
                pinTriesLeft: [("admin", state.adminRetries), ("user", state.userRetries)])
        })
    }
}

/// The emulator as the control protocol sees it: its tokens by bus id, the USB/IP server's plugs and fault plan,
/// and any other front end that must follow a plug or unplug (the umockdev testbed of `emulate -- COMMAND`).
public final class EmulatorControlPanel: EmulatorControlTarget {
    private let tokens: [String: ControlledToken]
    private let server: USBIPServer
    private let faults: USBIPFaultPlan
    private let alsoPlug: @Sendable (String, Bool) throws -> Void

    public init(tokens: [ControlledToken], server: USBIPServer, faults: USBIPFaultPlan,
                alsoPlug: @escaping @Sendable (String, Bool) throws -> Void = { _, _ in }) {
        self.tokens = Dictionary(tokens.map { ($0.busID, $0) }, uniquingKeysWith: { first, _ in first })
        self.server = server
        self.faults = faults
        self.alsoPlug = alsoPlug
    }

    private func token(_ busID: String) throws(ControlError) -> ControlledToken {
        guard let token = tokens[busID] else { throw .noSuchDevice(busID) }
        return token
    }

    public func press(busID: String, slot: Int?) throws(ControlError) -> PressOutcome {
        try token(busID).press(slot)
    }

    public func setPlugged(busID: String, _ plugged: Bool) throws(ControlError) {
        _ = try token(busID)
        server.setPlugged(busID, plugged)
        do { try alsoPlug(busID, plugged) } catch { throw .refused("\(error)") }
    }

    public func dropAfter(transfers: Int, busID: String?) throws(ControlError) {
        if let busID { _ = try token(busID) }
        faults.armDrop(afterFeatureTransfers: transfers, onlyBusID: busID)
    }

    public func state(busID: String) throws(ControlError) -> TokenStateReport {
        var report = try token(busID).report()
        report.plugged = server.isPlugged(busID)
        return report
    }
}
