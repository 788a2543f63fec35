import EmulatorServer
import Synchronization
import TokenDrivers
import TokenEmulator
import USBTransport
import Provisioning

/// A batch's arrival source over emulated tokens on an in-process USB/IP server (a free loopback port). Each signal
/// the batch waits for runs `arrive` first: the test's person plugging the next token, so no test waits on a clock.
/// Without `arrive`, no signal ever comes (the batch waits until it is stopped or cancelled).
final class EmulatedArrivals: TokenArrivalSource {
    let server: USBIPServer
    let port: Int
    private let arrive: Mutex<(@Sendable () -> Void)?> = Mutex(nil)
    private let opening: Mutex<(@Sendable (TokenCandidate) -> Void)?> = Mutex(nil)
    private let waitCount = Atomic<Int>(0)

    private init(server: USBIPServer, port: Int) {
        self.server = server
        self.port = port
    }

    static func start(devices: [EmulatedUSBDevice], faults: USBIPFaultPlan = .none) async throws -> EmulatedArrivals {
        let server = USBIPServer(devices: devices, faults: faults)
        return EmulatedArrivals(server: server, port: try await server.start(host: "127.0.0.1", port: 0))
    }

    deinit { server.stopWithoutWaiting() }

    /// How many arrival signals the batch waited for.
    var waits: Int { waitCount.load(ordering: .relaxed) }

    /// Runs `action` each time the batch waits for an arrival.
    func onArrivalWait(_ action: @escaping @Sendable () -> Void) { arrive.withLock { $0 = action } }

    /// Runs `action` each time the batch opens a token (a Ctrl-C with that token in hand).
    func onOpening(_ action: @escaping @Sendable (TokenCandidate) -> Void) { opening.withLock { $0 = action } }

    func address(_ busID: String) -> DeviceAddress { .usbip(host: "127.0.0.1", port: port, busID: busID) }

    func presentTokens() async throws(TransportError) -> [TokenCandidate] {
        let port = self.port
        return try await TokenDiscovery.find(servers: [.usbip(host: "127.0.0.1", port: port, busID: nil)])
            .candidates
    }

    func open(_ candidate: TokenCandidate) async throws(TokenDriverError) -> TokenSession {
        opening.withLock { $0 }?(candidate)
        let address: DeviceAddress
        do { address = try DeviceAddress(parsing: candidate.address) } catch { throw .transport(.notFound(error.description)) }
        return try await TokenSession.open(address)
    }

    func arrivalSignals() -> AsyncStream<Void> {
        AsyncStream(unfolding: { [self] in
            waitCount.add(1, ordering: .relaxed)
            guard let arrive = arrive.withLock({ $0 }) else {
                // Nobody plugs anything in: the only way on is a stop or a cancel.
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                return nil
            }
            arrive()
            return ()
        })
    }
}
