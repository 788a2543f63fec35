import NIOCore
import RADIUS
import RADIUSServer
import Testing

@Suite struct IPNetworkTests {
    func address(_ ip: String) throws -> SocketAddress { try SocketAddress(ipAddress: ip, port: 1812) }

    @Test func singleAddressesAndNetworks() throws {
        let host = try IPNetwork("192.0.2.7")
        #expect(host.prefixLength == 32 && host.family == .v4)
        #expect(host.contains(try address("192.0.2.7")))
        #expect(!host.contains(try address("192.0.2.8")))
        #expect(host.description == "192.0.2.7")

        let net = try IPNetwork("10.0.0.0/8")
        #expect(net.contains(try address("10.255.1.2")))
        #expect(!net.contains(try address("11.0.0.1")))
        #expect(net.contains(try address("::ffff:10.1.2.3")), "IPv4 peers seen through a dual-stack socket")
        #expect(!net.contains(try address("2001:db8::1")))
        #expect(net.description == "10.0.0.0/8")

        let odd = try IPNetwork("172.16.0.0/12")
        #expect(odd.contains(try address("172.31.255.255")))
        #expect(!odd.contains(try address("172.32.0.0")))

        let v6 = try IPNetwork("2001:db8::/32")
        #expect(v6.family == .v6)
        #expect(v6.contains(try address("2001:db8:1::5")))
        #expect(!v6.contains(try address("2001:db9::5")))
        #expect(!v6.contains(try address("10.0.0.1")))
        #expect(v6.description == "2001:db8::/32")
        #expect(try IPNetwork("::1").contains(try address("::1")))
        #expect(try IPNetwork("0.0.0.0/0").contains(try address("203.0.113.9")))
    }

    @Test func refusals() {
        for text in ["", "10.0.0", "example.com", "10.0.0.0/", "/8", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8/8", "::/129",
                     "10.0.0.0/ 8", "fe80::1%eth0"] {
            #expect(throws: IPNetwork.ParseError.self, "\(text)") { try IPNetwork(text) }
        }
        #expect(throws: IPNetwork.ParseError.hostBitsSet("10.0.0.1/8", network: "10.0.0.0/8")) { try IPNetwork("10.0.0.1/8") }
        #expect(throws: IPNetwork.ParseError.hostBitsSet("2001:db8::1/32", network: "2001:db8::/32")) { try IPNetwork("2001:db8::1/32") }
    }

    @Test func longestPrefixWins() async throws {
        let secret = try RADIUSSharedSecret("fixture")
        let list = RADIUSClientList([
            RADIUSClient(name: "campus", network: try IPNetwork("10.0.0.0/8"), sharedSecret: secret),
            RADIUSClient(name: "vpn", network: try IPNetwork("10.1.2.3"), sharedSecret: secret),
        ])
        #expect(await list.client(for: try address("10.1.2.3"))?.name == "vpn")
        #expect(await list.client(for: try address("10.1.2.4"))?.name == "campus")
        #expect(await list.client(for: try address("192.0.2.1")) == nil)
    }
}
