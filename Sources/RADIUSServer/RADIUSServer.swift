import DispatchExecutors
import NIOCore
import NIOPosix
import RADIUS
import Synchronization

/// otpkit's RADIUS authentication server (RFC 2865 with RFC 3579's Message-Authenticator and RFC 5997's
/// Status-Server) on one UDP socket, deciding through an `RADIUSAuthenticator` and finding clients through a
/// `RADIUSClientDirectory`.
///
/// Anything that is not an authentic request of a known client is dropped without an answer and counted in
/// `metrics` by reason; only an authentic request takes a decision slot. Replies always carry Message-Authenticator first. Retransmits within
/// `options.duplicateWindow` are answered from a cache with the very bytes sent before; a retransmit that arrives
/// while its request is still being decided is dropped (`duplicate_in_progress`), and the client's next retry gets
/// the cached reply.
public final class RADIUSServer: Sendable {
    public static let defaultPort = 1812

    public enum Error: Swift.Error, Sendable, CustomStringConvertible {
        case alreadyStarted

        public var description: String { "the RADIUS server was started already" }
    }

    private enum Lifecycle {
        case idle
        case binding
        case bound(any Channel)
        case running(any Channel)
        case stopped
    }

    public let host: String
    public let port: Int
    public let metrics: RADIUSServerMetrics
    private let processor: RADIUSRequestProcessor
    private let executor: DispatchQueueTaskExecutor
    private let group: any EventLoopGroup
    private let lifecycle = Mutex(Lifecycle.idle)

    /// `isReady` is the node's health (what its HTTP `/healthz` says): Status-Server is answered only while it is
    /// true, otherwise dropped (`not_ready`), so that a NAS probing with it (RFC 5997) fails over.
    public init(host: String, port: Int = RADIUSServer.defaultPort, clients: any RADIUSClientDirectory,
                authenticator: any RADIUSAuthenticator, options: RADIUSServerOptions = RADIUSServerOptions(),
                isReady: @escaping @Sendable () async -> Bool = { true },
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                metrics factories: RADIUSServerMetrics.Factories = .none) {
        self.host = host
        self.port = port
        self.group = eventLoopGroup
        let metrics = RADIUSServerMetrics(factories: factories)
        self.metrics = metrics
        self.processor = RADIUSRequestProcessor(clients: clients, authenticator: authenticator, options: options, metrics: metrics,
                                                isReady: isReady)
        self.executor = DispatchQueueTaskExecutor(label: "otpkit.radius.decisions", width: System.coreCount)
    }

    /// Binds the socket now (its port is the real one when `port` was 0), so that a caller can fail before it starts
    /// anything else; `run` then serves on it. Throws when binding fails, or when the server was bound already.
    @discardableResult
    public func bind() async throws -> SocketAddress? {
        try lifecycle.withLock { state in
            guard case .idle = state else { throw Error.alreadyStarted }
            state = .binding
        }
        let processor = self.processor, executor = self.executor
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: group)
                // No SO_REUSEADDR: on UDP it would let a second server bind the same port and share its datagrams.
                // One byte more than the largest packet, so that a longer datagram shows (truncated) as too long.
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: RADIUSPacket.maximumLength + 1))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RADIUSDatagramHandler(processor: processor, executor: executor))
                    }
                }
                .bind(host: host, port: port)
                .get()
        } catch {
            lifecycle.withLock { $0 = .stopped }
            throw error
        }
        let stoppedMeanwhile = lifecycle.withLock { state -> Bool in
            if case .stopped = state { return true }
            state = .bound(channel)
            return false
        }
        if stoppedMeanwhile { try? await channel.close() }
        return channel.localAddress
    }

    /// Binds the socket unless `bind()` did, calls `onListening` with the bound address, then serves until `stop()`
    /// is called or the calling task is cancelled. Throws when binding fails.
    public func run(onListening: @Sendable (SocketAddress) async -> Void = { _ in }) async throws {
        let alreadyBound = lifecycle.withLock { state -> Bool in
            if case .bound = state { return true }
            return false
        }
        if !alreadyBound { try await bind() }
        let channel = try lifecycle.withLock { state -> (any Channel)? in
            switch state {
            case .bound(let channel):
                state = .running(channel)
                return channel
            case .stopped:
                return nil
            case .idle, .binding, .running:
                throw Error.alreadyStarted
            }
        }
        guard let channel else { return }
        if let address = channel.localAddress { await onListening(address) }
        try await withTaskCancellationHandler {
            try await channel.closeFuture.get()
        } onCancel: {
            self.stop()
        }
    }

    /// Closes the socket; `run` returns. Decisions under way finish, but their replies are not sent.
    public func stop() {
        let channel = lifecycle.withLock { state -> (any Channel)? in
            defer { state = .stopped }
            switch state {
            case .bound(let channel), .running(let channel): return channel
            case .idle, .binding, .stopped: return nil
            }
        }
        channel?.close(promise: nil)
    }
}
