import NIOCore
import NIOPosix
import Synchronization

/// A UDP socket for tests: sends datagrams to the server and hands over what comes back, one at a time.
final class UDPTestClient: Sendable {
    let channel: any Channel
    private let inbox: DatagramInbox
    let server: SocketAddress

    /// Binds to `localHost` on a free port (another loopback address than 127.0.0.1 tests a second client).
    init(server: SocketAddress, localHost: String = "127.0.0.1") async throws {
        let inbox = DatagramInbox()
        self.inbox = inbox
        self.server = server
        self.channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(InboxHandler(inbox: inbox)) }
            }
            .bind(host: localHost, port: 0).get()
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: ByteBuffer(bytes: bytes)))
    }

    /// The next datagram received, or nil when none came within `timeout` (a bound for a failing test, not a wait).
    func receive(timeout: Duration = .seconds(10)) async -> [UInt8]? {
        await inbox.next(timeout: timeout)
    }

    /// Sends `bytes` and returns the next datagram received.
    func exchange(_ bytes: [UInt8], timeout: Duration = .seconds(10)) async throws -> [UInt8]? {
        try await send(bytes)
        return await receive(timeout: timeout)
    }

    func close() async {
        try? await channel.close()
    }
}

private final class InboxHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let inbox: DatagramInbox

    init(inbox: DatagramInbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.deliver(Array(unwrapInboundIn(data).data.readableBytesView))
    }
}

/// Datagrams received and not yet taken, and the one receiver waiting for the next.
final class DatagramInbox: Sendable {
    private struct State {
        var queue: [[UInt8]] = []
        var waiter: (id: Int, continuation: CheckedContinuation<[UInt8]?, Never>)?
        var nextID = 0
    }

    private let state = Mutex(State())

    func deliver(_ datagram: [UInt8]) {
        let waiter = state.withLock { state -> CheckedContinuation<[UInt8]?, Never>? in
            guard let waiter = state.waiter else {
                state.queue.append(datagram)
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: datagram)
    }

    func next(timeout: Duration) async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            let id = state.withLock { state -> Int? in
                if !state.queue.isEmpty { return nil }
                state.nextID += 1
                state.waiter = (state.nextID, continuation)
                return state.nextID
            }
            guard let id else {
                let first = state.withLock { $0.queue.removeFirst() }
                return continuation.resume(returning: first)
            }
            Task {
                try? await Task.sleep(for: timeout)
                let expired = self.state.withLock { state -> CheckedContinuation<[UInt8]?, Never>? in
                    guard let waiter = state.waiter, waiter.id == id else { return nil }
                    state.waiter = nil
                    return waiter.continuation
                }
                expired?.resume(returning: nil)
            }
        }
    }
}
