import EmulatorControl
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The transport of the control protocol: accepts connections on a Unix socket or loopback TCP, frames lines
/// (`ControlLineFramer`), and hands each to `EmulatorControlSession` off the event loop (a press may write the
/// token's state file), answering in order. Idle connections are closed; so are connections past the cap.
public final class ControlChannelServer: Sendable {
    public static let defaultIdleTimeout = TimeAmount.seconds(120)
    public static let maximumConnections = 16

    private let session: EmulatorControlSession
    private let idleTimeout: TimeAmount
    private let group: MultiThreadedEventLoopGroup
    private let channel = NIOLockedValueBox<Channel?>(nil)
    private let socketFile = NIOLockedValueBox<String?>(nil)
    private let connections = NIOLockedValueBox(0)

    public init(target: EmulatorControlTarget, idleTimeout: TimeAmount = defaultIdleTimeout) {
        session = EmulatorControlSession(target: target)
        self.idleTimeout = idleTimeout
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// Binds and starts serving; returns the address bound (with the port chosen for `tcp:HOST:0`).
    @discardableResult
    public func start(_ address: ControlAddress) throws -> ControlAddress {
        let session = self.session, connections = self.connections, idleTimeout = self.idleTimeout
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let admitted = connections.withLockedValue { count -> Bool in
                    guard count < Self.maximumConnections else { return false }
                    count += 1
                    return true
                }
                guard admitted else { return channel.close() }
                channel.closeFuture.whenComplete { _ in connections.withLockedValue { $0 -= 1 } }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(allTimeout: idleTimeout),
                        ControlConnectionHandler(session: session),
                    ])
                }
            }
        let bound: Channel
        switch address {
        case .unix(let path):
            bound = try bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).wait()
            chmod(path, 0o600)
            socketFile.withLockedValue { $0 = path }
        case .tcp(let host, let port):
            bound = try bootstrap.bind(host: host, port: port).wait()
        }
        channel.withLockedValue { $0 = bound }
        if case .tcp(let host, _) = address { return .tcp(host: host, port: bound.localAddress?.port ?? 0) }
        return address
    }

    public func stop() {
        let bound = channel.withLockedValue { value -> Channel? in
            defer { value = nil }
            return value
        }
        try? bound?.close().wait()
        try? group.syncShutdownGracefully()
        if let path = socketFile.withLockedValue({ $0 }) { unlink(path) }
    }
}

/// One control connection: lines in, replies out, in order, computed on a serial queue of its own.
final class ControlConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Requests waiting for their reply; a client that sends more without reading is closed.
    static let maximumPending = 64

    private let session: EmulatorControlSession
    private var framer = ControlLineFramer()
    private let queue = DispatchQueue(label: "otpkit.emulator.control")
    private let pending = NIOLockedValueBox(0)

    init(session: EmulatorControlSession) {
        self.session = session
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let lines = framer.feed(buffer.readBytes(length: buffer.readableBytes) ?? [])
        let channel = context.channel
        for line in lines {
            let admitted = pending.withLockedValue { count -> Bool in
                guard count < Self.maximumPending else { return false }
                count += 1
                return true
            }
            guard admitted else {
                context.close(promise: nil)
                return
            }
            let session = self.session, pending = self.pending
            queue.async {
                let reply = switch line {
                case .line(let bytes): session.reply(to: bytes)
                case .tooLong: EmulatorControlSession.errorLine(.lineTooLong(limit: EmulatorControlSession.maximumLineLength))
                }
                pending.withLockedValue { $0 -= 1 }
                channel.writeAndFlush(ByteBuffer(string: reply + "\n"), promise: nil)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
