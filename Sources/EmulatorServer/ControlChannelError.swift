/// Why a control channel could not start listening.
public enum ControlChannelError: Error, Equatable, CustomStringConvertible {
    /// Something is already at the socket's path (a file, a socket, a symlink): it is never followed or replaced.
    case pathTaken(String)
    /// The socket could not be made at its path (the folder missing or not writable, the path too long...).
    case cannotPlace(path: String, reason: String)
    /// The bind itself failed (a TCP port taken, ...).
    case cannotBind(String)
    /// A TCP channel was asked for without a token: any local user could press the buttons.
    case tokenRequired

    public var description: String {
        switch self {
        case .pathTaken(let path):
            "\(path) already exists; remove it or choose another path (it is never replaced): the control channel takes "
                + "unix:PATH (a PATH that does not exist yet) or tcp:127.0.0.1:PORT (loopback, with a token)"
        case .cannotPlace(let path, let reason): "cannot make the control socket \(path): \(reason)"
        case .cannotBind(let reason): "the control channel cannot listen: \(reason)"
        case .tokenRequired: "a tcp: control channel needs a token (any local user can reach a loopback port); a unix: socket is private without one"
        }
    }
}
