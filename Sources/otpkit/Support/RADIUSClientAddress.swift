import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a RADIUS client may send from: one IPv4 or IPv6 address, or a CIDR network (`10.0.0.0/8`, `fd00::/8`).
/// Checked before a client is stored, so that a typo is refused at the command line rather than leaving a client
/// whose requests are all dropped. (The RADIUS front end matches addresses with a parser of its own.)
enum RADIUSClientAddress {
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// Refuses anything but an address or a network: host names, zone ids (`fe80::1%eth0`), prefix lengths out of
    /// range, and networks with host bits set (`10.0.0.1/8` names no network; it says which was meant).
    static func validate(_ text: String) throws(Invalid) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let bytes = addressBytes(parts[0]) else {
            throw Invalid(description: "\(text) is not an IPv4 or IPv6 address, nor a CIDR network such as 192.0.2.0/24 or 2001:db8::/32")
        }
        guard parts.count == 2 else { return }
        let bits = bytes.count * 8
        guard !parts[1].isEmpty, parts[1].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isNumber), parts[1].count <= 3,
              let length = Int(parts[1]), (0...bits).contains(length) else {
            throw Invalid(description: "\(text): the prefix length of an IPv\(bytes.count == 4 ? 4 : 6) network is 0 to \(bits)")
        }
        var network = bytes
        for index in network.indices {
            let kept = max(0, min(8, length - index * 8))
            network[index] &= kept == 0 ? 0 : ~UInt8(0) << (8 - kept)
        }
        guard network == bytes else {
            throw Invalid(description: "\(text) has host bits set; the network is \(format(network))/\(length)")
        }
    }

    /// The address's bytes (4 or 16), or nil. inet_pton takes only the plain forms (no octal, no zone ids).
    private static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func format(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return written == nil ? "?" : String(cString: buffer)
    }
}
