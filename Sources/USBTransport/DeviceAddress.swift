/// Where a token is: `usbip://HOST:PORT/BUSID` (later issues add `usb:` forms).
public enum DeviceAddress: Equatable, Sendable, CustomStringConvertible {
    case usbip(host: String, port: Int, busID: String?)

    public static let defaultUSBIPPort = 3240

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case unsupported(String)
        case malformed(String)

        public var description: String {
            switch self {
            case .unsupported(let text): "unsupported device address \"\(text)\" (expected usbip://HOST:PORT/BUSID)"
            case .malformed(let reason): "malformed device address: \(reason)"
            }
        }
    }

    /// Parses `usbip://HOST[:PORT][/BUSID]`; IPv6 hosts go in brackets (`usbip://[::1]:3240/1-1`).
    public init(parsing text: String) throws(ParseError) {
        guard text.hasPrefix("usbip://") else { throw .unsupported(text) }
        var rest = Substring(text.dropFirst("usbip://".count))
        var busID: String?
        if let slash = rest.firstIndex(of: "/") {
            let tail = rest[rest.index(after: slash)...]
            busID = tail.isEmpty ? nil : String(tail)
            rest = rest[..<slash]
        }
        var host: String
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .malformed("unclosed [ in \(text)") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { throw .malformed("no host in \(text)") }
        var port = Self.defaultUSBIPPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw .malformed("bad port in \(text)") }
            port = value
        }
        if let busID, !busID.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "." }) {
            throw .malformed("bad bus id \"\(busID)\" (like 1-1)")
        }
        self = .usbip(host: host, port: port, busID: busID)
    }

    public var description: String {
        switch self {
        case .usbip(let host, let port, let busID):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "usbip://\(shownHost):\(port)" + (busID.map { "/\($0)" } ?? "")
        }
    }
}
