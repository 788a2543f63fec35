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
    private let channel: NIOLockedValueBox<Channel?> = .init(nil)

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
    public func start(host: String = "127.0.0.1", port: Int = defaultPort) throws -> Int {
        let registry = self.registry, faults = self.faults, log = self.log
        let bound = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(USBIPConnectionHandler(registry: registry, faults: faults, log: log))
                }
            }
            .bind(host: host, port: port)
            .wait()
        channel.withLockedValue { $0 = bound }
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

    /// Blocks until `stop()` is called from elsewhere.
    public func waitUntilStopped() throws {
        try channel.withLockedValue { $0 }?.closeFuture.wait()
    }

    public func stop() {
        let bound = channel.withLockedValue { value -> Channel? in
            defer { value = nil }
            return value
        }
        try? bound?.close().wait()
        try? group.syncShutdownGracefully()
    }
}
