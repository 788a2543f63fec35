/// Why the emulator could not start, or refused a request. No description holds a secret.
public enum EmulatorError: Error, Equatable, CustomStringConvertible {
    /// The configuration cannot be served (no tokens, too many, a port out of range).
    case invalidConfiguration(String)
    /// The state folder, or a token's state file in it, cannot be created, read or written.
    case stateFile(String)
    /// The USB/IP server or a control channel could not listen (the port taken, a path already there...).
    case cannotListen(String)
    /// A control channel's address cannot be used as given: its path exists already, or TCP was asked without a token.
    case badControlAddress(String)
    /// The umockdev testbed cannot be made (Debian's umockdev package missing, libumockdev refusing).
    case testbedUnavailable(String)
    /// No token at this bus id.
    case noSuchToken(String)
    /// A press that typed nothing (an empty slot; a Nitrokey, which types nothing by itself).
    case nothingTyped(busID: String, reason: String)
    /// The testbed refused a plug or unplug.
    case refused(String)

    /// What went wrong, in words an operator can act on.
    public var description: String {
        switch self {
        case .invalidConfiguration(let why), .stateFile(let why), .cannotListen(let why), .badControlAddress(let why), .testbedUnavailable(let why), .refused(let why):
            why
        case .noSuchToken(let busID): "no device \(busID)"
        case .nothingTyped(let busID, let reason): "\(busID) typed nothing (\(reason))"
        }
    }
}
