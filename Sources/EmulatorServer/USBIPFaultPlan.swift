import Foundation
import USBProtocol

/// Faults the server can be told to inject, so tests can pull a token out at a chosen moment.
public final class USBIPFaultPlan: @unchecked Sendable {
    private let lock = NSLock()
    private var remainingFeatureTransfers: Int?

    /// Drops the connection (like an unplug) when a feature-report transfer arrives after `count` of them have
    /// been served, once per server: the interrupted request never reaches the token.
    public init(dropAfterFeatureTransfers count: Int? = nil) {
        remainingFeatureTransfers = count
    }

    public static var none: USBIPFaultPlan { USBIPFaultPlan() }

    /// Counts a control transfer; true when this one must be answered by dropping the connection.
    func shouldDrop(_ setup: USBSetupPacket) -> Bool {
        guard setup.kind == .class, setup.request == HIDRequest.setReport || setup.request == HIDRequest.getReport else {
            return false
        }
        return lock.withLock {
            guard let remaining = remainingFeatureTransfers else { return false }
            if remaining == 0 {
                remainingFeatureTransfers = nil
                return true
            }
            remainingFeatureTransfers = remaining - 1
            return false
        }
    }
}
