/// Where a token is: on this machine's USB (`usb:BUS:ADDR`, `usb:serial=SERIAL`) or on a USB/IP server
/// (`usbip://HOST:PORT/BUSID`, or `usbip://HOST:PORT` for all of its tokens).
public enum DeviceAddress: Equatable, Sendable, CustomStringConvertible {
    case usb(bus: Int, address: Int)
    case usbSerial(String)
    case usbip(host: String, port: Int, busID: String?)

    public static let defaultUSBIPPort = 3240

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case unsupported(String)
        case malformed(String)

        public var description: String {
            switch self {
            case .unsupported(let text):
                "unsupported device address \"\(text)\" (expected usb:BUS:ADDR, usb:serial=SERIAL or usbip://HOST:PORT/BUSID)"
            case .malformed(let reason): "malformed device address: \(reason)"
            }
        }
    }

    /// Parses `usbip://HOST[:PORT][/BUSID]`; IPv6 hosts go in brackets (`usbip://[::1]:3240/1-1`).
    public init(parsing text: String) throws(ParseError) {
        if text.hasPrefix("usb:") {
            self = try Self.parseUSB(String(text.dropFirst(4)), original: text)
            return
        }
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

    private static func parseUSB(_ rest: String, original: String) throws(ParseError) -> DeviceAddress {
        if rest.hasPrefix("serial=") {
            let serial = String(rest.dropFirst("serial=".count))
            guard !serial.isEmpty else { throw .malformed("no serial in \(original)") }
            return .usbSerial(serial)
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let bus = Int(parts[0]), let address = Int(parts[1]), (1...255).contains(bus),
              (1...127).contains(address) else {
            throw .malformed("\(original) is not usb:BUS:ADDR (decimal bus 1-255 and address 1-127, as `lsusb` shows them)")
        }
        return .usb(bus: bus, address: address)
    }

    public var description: String {
        switch self {
        case .usb(let bus, let address):
            return "usb:\(bus):\(address)"
        case .usbSerial(let serial):
            return "usb:serial=\(serial)"
        case .usbip(let host, let port, let busID):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "usbip://\(shownHost):\(port)" + (busID.map { "/\($0)" } ?? "")
        }
    }
}
