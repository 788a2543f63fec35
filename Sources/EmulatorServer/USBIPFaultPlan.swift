import NIOConcurrencyHelpers
import USBProtocol

/// Faults the server can be told to inject, so tests can pull a token out at a chosen moment.
public final class USBIPFaultPlan: Sendable {
    /// The armed drop: how many more feature-report transfers pass (nil: no drop armed), and to which device.
    private struct ArmedDrop {
        var remainingFeatureTransfers: Int?
        var onlyBusID: String?
    }
    private let drop: NIOLockedValueBox<ArmedDrop>
    private let stallsFeatureReports: Bool

    /// - Parameters:
    ///   - count: drop the connection (like an unplug) when a feature-report transfer arrives after `count` of
    ///     them have been served, once per server: the interrupted request never reaches the token.
    ///   - busID: count and drop only the transfers to this device (nil: any device), so that one token of a
    ///     batch fails mid-write while the others work.
    ///   - stallFeatureReports: answer every feature-report transfer with a STALL, as a broken device would.
    public init(dropAfterFeatureTransfers count: Int? = nil, onlyBusID busID: String? = nil, stallFeatureReports: Bool = false) {
        drop = NIOLockedValueBox(ArmedDrop(remainingFeatureTransfers: count, onlyBusID: busID))
        stallsFeatureReports = stallFeatureReports
    }

    /// True when this control transfer must be answered with a STALL.
    public func shouldStall(_ setup: USBSetupPacket) -> Bool {
        stallsFeatureReports && Self.isFeatureReport(setup)
    }

    private static func isFeatureReport(_ setup: USBSetupPacket) -> Bool {
        setup.kind == .class && (setup.request == HIDRequest.setReport || setup.request == HIDRequest.getReport)
    }

    /// Arms (or re-arms) the drop while the emulator runs, as the control channel's `drop_after` does: after `count`
    /// more feature-report transfers (to `busID`, or to any device), the next one pulls the token out.
    public func armDrop(afterFeatureTransfers count: Int, onlyBusID busID: String?) {
        drop.withLockedValue { $0 = ArmedDrop(remainingFeatureTransfers: count, onlyBusID: busID) }
    }

    public static var none: USBIPFaultPlan { USBIPFaultPlan() }

    /// Counts a control transfer; true when this one must be answered by dropping the connection.
    public func shouldDrop(_ setup: USBSetupPacket, busID: String?) -> Bool {
        guard Self.isFeatureReport(setup) else { return false }
        return drop.withLockedValue { drop in
            guard drop.onlyBusID == nil || drop.onlyBusID == busID else { return false }
            guard let remaining = drop.remainingFeatureTransfers else { return false }
            if remaining == 0 {
                drop.remainingFeatureTransfers = nil
                return true
            }
            drop.remainingFeatureTransfers = remaining - 1
            return false
        }
    }
}
