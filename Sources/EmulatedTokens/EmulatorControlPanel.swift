import EmulatorControl
import EmulatorServer

/// The emulator as the control protocol sees it: its tokens by bus id, the USB/IP server's plugs and fault plan,
/// and the umockdev testbed that must follow a plug or unplug. Shared by `RunningEmulator`'s own methods and its
/// JSON control channels; it holds no reference to the `RunningEmulator`, so an open channel never keeps it alive.
final class EmulatorControlPanel: EmulatorControlTarget {
    private let tokens: [String: ControlledToken]
    private let server: USBIPServer
    private let faults: USBIPFaultPlan
    private let testbed: TestbedSlot

    init(tokens: [ControlledToken], server: USBIPServer, faults: USBIPFaultPlan, testbed: TestbedSlot) {
        self.tokens = Dictionary(tokens.map { ($0.busID, $0) }, uniquingKeysWith: { first, _ in first })
        self.server = server
        self.faults = faults
        self.testbed = testbed
    }

    private func token(_ busID: String) throws(ControlError) -> ControlledToken {
        guard let token = tokens[busID] else { throw .noSuchDevice(busID) }
        return token
    }

    func press(busID: String, slot: Int?) throws(ControlError) -> PressOutcome {
        try token(busID).press(slot)
    }

    func setPlugged(busID: String, _ plugged: Bool) throws(ControlError) {
        _ = try token(busID)
        server.setPlugged(busID, plugged)
        do { try testbed.setPlugged(busID, plugged) } catch { throw .refused("\(error)") }
    }

    func dropAfter(transfers: Int, busID: String?) throws(ControlError) {
        if let busID { _ = try token(busID) }
        faults.armDrop(afterFeatureTransfers: transfers, onlyBusID: busID)
    }

    func state(busID: String) throws(ControlError) -> TokenStateReport {
        var report = try token(busID).report()
        report.plugged = server.isPlugged(busID)
        return report
    }
}
