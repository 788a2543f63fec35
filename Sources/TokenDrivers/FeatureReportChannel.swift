/// A HID feature-report pipe to one token: all that a protocol driver needs from a transport.
///
/// libusb (control transfers), USB/IP (CMD_SUBMIT) and in-process emulators implement it; drivers never see which.
public protocol FeatureReportChannel: AnyObject {
    /// HID SET_REPORT (feature, report ID 0): sends one whole report.
    func setFeatureReport(_ report: [UInt8]) throws(TransportError)
    /// HID GET_REPORT (feature, report ID 0): reads one report of `length` bytes.
    func getFeatureReport(length: Int) throws(TransportError) -> [UInt8]
}

/// How a transport failed. Each case says what happened in words a person can act on.
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The token went away (unplugged, emulator stopped, connection closed).
    case disconnected(String)
    case timedOut(String)
    /// The token refused the request at the USB level.
    case stalled(String)
    case shortTransfer(expected: Int, actual: Int)
    case accessDenied(String)
    case notFound(String)
    case busy(String)
    case protocolViolation(String)
    case io(String)
    /// The wait for the token was cancelled (Ctrl-C, a cancelled task): what it did meanwhile is unknown.
    case cancelled

    public var description: String {
        switch self {
        case .disconnected(let detail): "the token disconnected: \(detail)"
        case .timedOut(let detail): "the token did not answer in time: \(detail)"
        case .stalled(let detail): "the token refused the USB request (STALL): \(detail)"
        case .shortTransfer(let expected, let actual): "short USB transfer: expected \(expected) bytes, got \(actual)"
        case .accessDenied(let detail): "access denied: \(detail)"
        case .notFound(let detail): "no such token: \(detail)"
        case .busy(let detail): "the token is busy: \(detail)"
        case .protocolViolation(let detail): "transport protocol error: \(detail)"
        case .io(let detail): "I/O error: \(detail)"
        case .cancelled: "cancelled while waiting for the token"
        }
    }
}
