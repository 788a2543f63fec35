import EmulatorServer
import TokenDrivers
import TokenEmulator
import USBTransport
import Provisioning

/// A batch's arrival source over emulated tokens on an in-process USB/IP server (a free loopback port). Waiting for
/// an arrival runs `arrive`: the test's person plugging the next token, so no test waits on a clock.
final class EmulatedArrivals: TokenArrivalSource {
    let server: USBIPServer
    let port: Int
    var arrive: () -> Void = {}
    private(set) var waits = 0

    init(devices: [EmulatedUSBDevice], faults: USBIPFaultPlan = .none) throws {
        server = USBIPServer(devices: devices, faults: faults)
        port = try server.start(host: "127.0.0.1", port: 0)
    }

    deinit { server.stop() }

    func address(_ busID: String) -> DeviceAddress { .usbip(host: "127.0.0.1", port: port, busID: busID) }

    func presentTokens() throws(TransportError) -> [TokenCandidate] {
        try TokenTransports.listUSBIP(host: "127.0.0.1", port: port)
    }

    func open(_ candidate: TokenCandidate) throws(TokenDriverError) -> ConnectedToken {
        let address: DeviceAddress
        do { address = try DeviceAddress(parsing: candidate.address) } catch { throw .transport(.notFound(error.description)) }
        return try ConnectedToken.open(address)
    }

    func waitForArrival(timeout: Duration) {
        waits += 1
        arrive()
    }
}
