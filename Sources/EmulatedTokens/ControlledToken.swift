import EmulatorControl
import TokenEmulator

/// One emulated token as the control protocol reaches it: its bus id, and how to press it and report its state.
struct ControlledToken: Sendable {
    let busID: String
    let press: @Sendable (_ slot: Int?) -> PressOutcome
    let report: @Sendable () -> TokenStateReport

    init(busID: String, press: @escaping @Sendable (Int?) -> PressOutcome, report: @escaping @Sendable () -> TokenStateReport) {
        self.busID = busID
        self.press = press
        self.report = report
    }

    init(busID: String, openHOTP token: OpenHOTPToken) {
        self.init(busID: busID, press: { _ in
            switch token.pressButton() {
            case .presented(_, let code), .completedRequest(_, let code): .typed(code)
            case .nothing: .nothing("slot 0 empty")
            }
        }, report: {
            let state = token.state
            return TokenStateReport(
                family: EmulatedTokenFamily.openHOTP.rawValue, serial: state.serial, plugged: true,
                slots: state.slots.enumerated().map { .init(slot: $0.offset, programmed: $0.element != nil, counter: $0.element?.counter) },
                pinTriesLeft: state.pin == nil ? [] : [("admin", state.pinRetries)])
        })
    }

    init(busID: String, yubiKey key: YubiKeyToken) {
        self.init(busID: busID, press: { slot in
            if case .typed(let text) = key.touch(slot: slot.flatMap { $0 == 0 ? nil : $0 } ?? 1) { .typed(text) } else { .nothing("slot not OATH-HOTP") }
        }, report: {
            let state = key.state
            return TokenStateReport(
                family: EmulatedTokenFamily.yubiKey.rawValue, serial: state.serial, plugged: true,
                slots: state.slots.enumerated().map { .init(slot: $0.offset + 1, programmed: $0.element != nil, counter: $0.element?.movingFactor) },
                pinTriesLeft: [])
        })
    }

    init(busID: String, nitrokey key: NitrokeyToken) {
        self.init(busID: busID, press: { _ in .nothing("a Nitrokey types nothing by itself") }, report: {
            let state = key.state
            return TokenStateReport(
                family: (key.model == .pro ? EmulatedTokenFamily.nitrokeyPro : .nitrokeyStorage).rawValue, serial: state.serial, plugged: true,
                slots: state.slots.enumerated().map { .init(slot: $0.offset, programmed: $0.element != nil, counter: $0.element?.counter) },
                pinTriesLeft: [("admin", state.adminRetries), ("user", state.userRetries)])
        })
    }
}
