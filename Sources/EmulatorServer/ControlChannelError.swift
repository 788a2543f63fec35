/// Why a control channel could not start listening.
public enum ControlChannelError: Error, Equatable, CustomStringConvertible {
    /// Something is already at the socket's path (a file, a socket, a symlink): it is never followed or replaced.
    case pathTaken(String)
    /// The socket could not be made at its path (the folder missing or not writable, the path too long...).
    case cannotPlace(path: String, reason: String)
    /// The bind itself failed (a TCP port taken, ...).
    case cannotBind(String)

    public var description: String {
        switch self {
        case .pathTaken(let path): "\(path) already exists; remove it or choose another path (it is never replaced)"
        case .cannotPlace(let path, let reason): "cannot make the control socket \(path): \(reason)"
        case .cannotBind(let reason): "the control channel cannot listen: \(reason)"
        }
    }
}
