import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TokenEmulator

/// Serves emulated devices over the Linux kernel's USB/IP protocol, so `usbip list -r` and `usbip attach` reach them.
public final class USBIPServer: Sendable {
    public static let defaultPort = 3240

    public let devices: [USBIPExportedDevice]
    private let registry: USBIPDeviceRegistry
    private let group: MultiThreadedEventLoopGroup
    private let faults: USBIPFaultPlan
    private let log: @Sendable (String) -> Void
    private let listener = NIOLockedValueBox(Listener.notStarted)

    /// Exports `devices` as bus 1, ports 1, 2, ... (bus ids 1-1, 1-2, ...).
    public init(devices: [EmulatedUSBDevice], faults: USBIPFaultPlan = .none, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.faults = faults
        self.devices = devices.enumerated().map { USBIPExportedDevice(port: UInt32($0.offset + 1), device: $0.element) }
        self.registry = USBIPDeviceRegistry(devices: self.devices)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        self.log = log
    }

    /// Binds and starts serving; returns the port (useful with port 0).
    @discardableResult
    public func start(host: String = "127.0.0.1", port: Int = defaultPort) async throws -> Int {
        adopt(try await bootstrap().bind(host: host, port: port).get(), port: port)
    }

    private func bootstrap() -> ServerBootstrap {
        let registry = self.registry, faults = self.faults, log = self.log
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(USBIPConnectionHandler(registry: registry, faults: faults, log: log))
                }
            }
    }

    private func adopt(_ bound: Channel, port: Int) -> Int {
        let stopped = listener.withLockedValue { state -> Bool in
            guard case .notStarted = state else { return true }
            state = .listening(bound)
            return false
        }
        if stopped { bound.close(promise: nil) }
        return bound.localAddress?.port ?? port
    }

    /// The handler an accepted connection gets, over its own registry of `devices` (exported as 1-1, 1-2, ...): for
    /// driving a connection without a socket, as the fuzz target does through NIO's EmbeddedChannel.
    public static func makeConnectionHandler(devices: [EmulatedUSBDevice], faults: USBIPFaultPlan = .none,
                                             log: @escaping @Sendable (String) -> Void = { _ in }) -> ChannelHandler {
        let exported = devices.enumerated().map { USBIPExportedDevice(port: UInt32($0.offset + 1), device: $0.element) }
        return USBIPConnectionHandler(registry: USBIPDeviceRegistry(devices: exported), faults: faults, log: log)
    }

    /// Plugs a device in or pulls it out (scripted arrivals for tests and demos). A pulled device leaves the device
    /// list and refuses imports; a connection already holding it keeps it until it closes.
    public func setPlugged(_ busID: String, _ plugged: Bool) {
        registry.setPlugged(busID, plugged)
    }

    /// Whether a device is plugged in now (in the device list, importable).
    public func isPlugged(_ busID: String) -> Bool {
        registry.plugged.contains { $0.busID == busID }
    }

    /// Returns once the listener has closed (`stop()` called elsewhere).
    public func waitUntilStopped() async {
        guard case .listening(let bound) = listener.withLockedValue({ $0 }) else { return }
        try? await bound.closeFuture.get()
    }

    /// Closes the listener and the connections, and ends the server's threads.
    public func stop() async {
        guard let bound = claimStop() else { return }
        try? await bound?.close().get()
        try? await group.shutdownGracefully()
    }

    /// Begins the stop and returns at once: for a `deinit` or a signal handler, which cannot wait. The threads end
    /// only once the listener has closed: a connection accepted meanwhile must find its event loop still running
    /// (NIO traps on a registration with a loop that has shut down).
    public func stopWithoutWaiting() {
        guard let bound = claimStop() else { return }
        let group = self.group
        guard let bound else { return group.shutdownGracefully { _ in } }
        bound.close().whenComplete { _ in group.shutdownGracefully { _ in } }
    }

    /// The listener to close (nil when the server never listened), once: nil for every later caller.
    private func claimStop() -> Channel?? {
        listener.withLockedValue { state -> Channel?? in
            defer { state = .stopped }
            switch state {
            case .notStarted: return .some(nil)
            case .listening(let bound): return .some(bound)
            case .stopped: return nil
            }
        }
    }

    private enum Listener {
        case notStarted
        case listening(Channel)
        case stopped
    }
}
