import EmulatorControl
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The transport of the control protocol: accepts connections on a Unix socket or loopback TCP, frames lines
/// (`ControlLineFramer`), and hands each to `EmulatorControlSession` off the event loop (a press may write the
/// token's state file), answering in order. Idle connections are closed; so are connections past the cap.
///
/// A TCP channel needs a `ControlChannelToken` (any local user can reach a loopback port): a client's first line must
/// be the token, within `authenticationDeadline`, or the connection is closed without an answer; only authenticated
/// connections count towards the cap. A Unix socket is its owner's alone and needs no token (one given is required
/// there too).
public final class ControlChannelServer: Sendable {
    public static let defaultIdleTimeout = TimeAmount.seconds(120)
    public static let defaultAuthenticationDeadline = ControlAuthenticationHandler.defaultDeadline
    public static let maximumConnections = 16

    private let session: EmulatorControlSession
    private let idleTimeout: TimeAmount
    private let authenticationDeadline: TimeAmount
    private let group: MultiThreadedEventLoopGroup
    private let listener = NIOLockedValueBox(Listener.notStarted)
    private let connections = NIOLockedValueBox(0)

    public init(target: EmulatorControlTarget, idleTimeout: TimeAmount = defaultIdleTimeout,
                authenticationDeadline: TimeAmount = defaultAuthenticationDeadline) {
        session = EmulatorControlSession(target: target)
        self.idleTimeout = idleTimeout
        self.authenticationDeadline = authenticationDeadline
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// Binds and starts serving; returns the address bound (with the port chosen for `tcp:HOST:0`). A Unix socket
    /// is reachable by this user only, from its first moment (`PrivateSocketPath`); a path already taken is
    /// refused. A TCP address needs a `token`.
    @discardableResult
    public func start(_ address: ControlAddress, token: ControlChannelToken? = nil) async throws(ControlChannelError) -> ControlAddress {
        let (binding, placement) = try bind(address, token: token)
        let bound: Channel
        do { bound = try await binding.get() } catch {
            placement?.discard()
            throw .cannotBind("\(error)")
        }
        return try adopt(bound, address: address, placement: placement)
    }

    /// Begins the bind: a Unix socket in its private place, TCP on loopback only and with a token.
    private func bind(_ address: ControlAddress, token: ControlChannelToken?) throws(ControlChannelError) -> (EventLoopFuture<Channel>, PrivateSocketPath?) {
        switch address {
        case .unix(let path):
            let placement = try PrivateSocketPath(path)
            return (bootstrap(token: token).bind(unixDomainSocketPath: placement.bindPath), placement)
        case .tcp(let host, let port):
            try Self.requireLoopback(host)
            guard let token else { throw .tokenRequired }
            return (bootstrap(token: token).bind(host: host, port: port), nil)
        }
    }

    /// The channel presses buttons, that is: mints codes: never off this machine, whatever address a library caller
    /// builds.
    private static func requireLoopback(_ host: String) throws(ControlChannelError) {
        guard ControlAddress.isLoopback(host) else { throw .cannotBind("\(host) is not loopback; the control channel listens on loopback only") }
    }

    private func bootstrap(token: ControlChannelToken?) -> ServerBootstrap {
        let session = self.session, connections = self.connections, idleTimeout = self.idleTimeout
        let authenticationDeadline = self.authenticationDeadline
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                // Without a token (a private Unix socket) a connection takes its place at once; with one, only once
                // it has sent the token.
                if token == nil, !Self.admit(channel, to: connections) { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    if let token {
                        try channel.pipeline.syncOperations.addHandler(
                            ControlAuthenticationHandler(token: token, deadline: authenticationDeadline) { Self.admit($0, to: connections) })
                    }
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(allTimeout: idleTimeout),
                        ControlConnectionHandler(session: session),
                    ])
                }
            }
    }

    /// Takes one of the places of the connections served at once, until `channel` closes; false when all are taken.
    private static func admit(_ channel: Channel, to connections: NIOLockedValueBox<Int>) -> Bool {
        let admitted = connections.withLockedValue { count -> Bool in
            guard count < maximumConnections else { return false }
            count += 1
            return true
        }
        if admitted { channel.closeFuture.whenComplete { _ in connections.withLockedValue { $0 -= 1 } } }
        return admitted
    }

    /// Publishes a bound socket (a Unix socket takes its public name now) and records it for `stop`.
    private func adopt(_ bound: Channel, address: ControlAddress, placement: PrivateSocketPath?) throws(ControlChannelError) -> ControlAddress {
        var published: (path: String, identity: PrivateSocketPath.Identity)?
        if let placement {
            do { published = (placement.path, try placement.publish()) } catch {
                bound.close(promise: nil)
                throw error
            }
        }
        let stopped = listener.withLockedValue { state -> Bool in
            guard case .notStarted = state else { return true }
            state = .listening(bound, socket: published)
            return false
        }
        if stopped {
            bound.close(promise: nil)
            if let published { PrivateSocketPath.remove(published.path, ifStill: published.identity) }
            throw .cannotBind("this control channel was stopped or is listening already")
        }
        if case .tcp(let host, _) = address { return .tcp(host: host, port: bound.localAddress?.port ?? 0) }
        return address
    }

    /// Closes the channel and its connections, ends its thread and removes its socket.
    public func stop() async {
        guard let (bound, socket) = claimStop() else { return }
        if let socket { PrivateSocketPath.remove(socket.path, ifStill: socket.identity) }
        try? await bound?.close().get()
        try? await group.shutdownGracefully()
    }

    /// Removes the socket, begins the rest of the stop and returns at once: for a `deinit`, which cannot wait. The
    /// thread ends only once the listener has closed: a connection accepted meanwhile must find its loop running.
    public func stopWithoutWaiting() {
        guard let (bound, socket) = claimStop() else { return }
        if let socket { PrivateSocketPath.remove(socket.path, ifStill: socket.identity) }
        let group = self.group
        guard let bound else { return group.shutdownGracefully { _ in } }
        bound.close().whenComplete { _ in group.shutdownGracefully { _ in } }
    }

    /// What `stop` must undo, once: nil for every later caller.
    private func claimStop() -> (Channel?, Socket?)? {
        listener.withLockedValue { state -> (Channel?, Socket?)? in
            defer { state = .stopped }
            switch state {
            case .notStarted: return (nil, nil)
            case .listening(let bound, let socket): return (bound, socket)
            case .stopped: return nil
            }
        }
    }

    private typealias Socket = (path: String, identity: PrivateSocketPath.Identity)

    private enum Listener {
        case notStarted
        case listening(Channel, socket: Socket?)
        case stopped
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
