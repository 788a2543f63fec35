import NIOCore

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`), or a single address (`192.0.2.7`, a /32
/// or /128), naming where a RADIUS client's packets may come from.
///
/// Host bits set under the prefix (`10.0.0.1/8`) are refused rather than masked, since an operator who typed them
/// most likely meant one host. An IPv4 network also matches the same address seen as IPv4-mapped IPv6
/// (`::ffff:192.0.2.7`), as a dual-stack socket reports IPv4 peers.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable {
        case v4
        case v6
    }

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case notAnAddress(String)
        case badPrefixLength(String)
        /// `network`: the network the prefix names, which the operator may have meant.
        case hostBitsSet(String, network: String)

        public var description: String {
            switch self {
            case .notAnAddress(let text): "'\(text)' is not an IPv4 or IPv6 address"
            case .badPrefixLength(let text): "'\(text)' has a prefix length outside 0...32 (IPv4) or 0...128 (IPv6)"
            case .hostBitsSet(let text, let network):
                "'\(text)' has bits set past its prefix length: the network is \(network) (or give a single address without /)"
            }
        }
    }

    /// The network address: 4 or 16 bytes, zero past the prefix.
    public let address: [UInt8]
    public let prefixLength: Int

    public var family: Family { address.count == 4 ? .v4 : .v6 }

    private init(address: [UInt8], prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    public init(_ text: String) throws(ParseError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let host = parts.first, !host.isEmpty, !host.contains("%"),
              let socketAddress = try? SocketAddress(ipAddress: String(host), port: 0),
              let bytes = Self.bytes(of: socketAddress) else { throw .notAnAddress(text) }
        let bits = bytes.count * 8
        var prefix = bits
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(digits), value <= bits else { throw .badPrefixLength(text) }
            prefix = value
        }
        let network = Self.masked(bytes, prefix: prefix)
        guard network == bytes else {
            throw .hostBitsSet(text, network: IPNetwork(address: network, prefixLength: prefix).description)
        }
        self.address = bytes
        self.prefixLength = prefix
    }

    /// Whether `socketAddress` (an IP peer; never a Unix socket) lies in this network.
    public func contains(_ socketAddress: SocketAddress) -> Bool {
        guard var bytes = Self.bytes(of: socketAddress) else { return false }
        if address.count == 4, bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            bytes = Array(bytes[12..<16])
        }
        guard bytes.count == address.count else { return false }
        return Self.masked(bytes, prefix: prefixLength) == address
    }

    public var description: String {
        let host: String
        if address.count == 4 {
            host = address.map(String.init).joined(separator: ".")
        } else {
            host = (try? SocketAddress(packedIPAddress: ByteBuffer(bytes: address), port: 0).ipAddress) ?? "?"
        }
        return prefixLength == address.count * 8 ? host : "\(host)/\(prefixLength)"
    }

    /// The 4 or 16 address bytes of an IP socket address, in network order.
    static func bytes(of socketAddress: SocketAddress) -> [UInt8]? {
        switch socketAddress {
        case .v4(let v4):
            var raw = v4.address.sin_addr
            return withUnsafeBytes(of: &raw) { Array($0) }
        case .v6(let v6):
            var raw = v6.address.sin6_addr
            return withUnsafeBytes(of: &raw) { Array($0) }
        case .unixDomainSocket:
            return nil
        }
    }

    private static func masked(_ bytes: [UInt8], prefix: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let keep = max(0, min(8, prefix - index * 8))
            return keep == 8 ? byte : byte & ~(0xFF >> UInt8(keep))
        }
    }
}
