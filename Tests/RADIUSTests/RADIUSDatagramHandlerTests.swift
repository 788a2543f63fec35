import DispatchExecutors
import NIOCore
import NIOEmbedded
import RADIUS
@testable import RADIUSServer
import Testing

/// The channel handler on NIO's EmbeddedChannel: socket errors, on writing or reading, are counted and never close
/// the channel.
@Suite struct RADIUSDatagramHandlerTests {
    struct WriteRefused: Error {}

    /// Fails every write, as a socket would with ENOBUFS or EPERM.
    final class RefusingWriter: ChannelOutboundHandler {
        typealias OutboundIn = AddressedEnvelope<ByteBuffer>

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            promise?.fail(WriteRefused())
        }
    }

    @Test func aFailedWriteIsCountedAndTheChannelStaysOpen() async throws {
        let metrics = RADIUSServerMetrics()
        let processor = RADIUSRequestProcessor(clients: RADIUSClientList([TestClients.loopback()]), authenticator: TestAuthenticator(),
                                               options: RADIUSServerOptions(), metrics: metrics)
        let source = try SocketAddress(ipAddress: "127.0.0.1", port: 40000)
        let request = try RADIUSClientCodec.accessRequest(identifier: 1, userName: "alice", password: RADIUSPassword("123456"),
                                                          secret: TestClients.secret)
        // Decide it once, so that the datagram below is a retransmit answered on the event loop from the cache.
        guard case .check(let received) = processor.receive(request, from: source) else { Issue.record("not received"); return }
        #expect(await processor.handle(received) != nil)

        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([RefusingWriter(), RADIUSDatagramHandler(processor: processor, executor: DispatchQueueTaskExecutor(label: "test", width: 1))])
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1812)).get()
        #expect(channel.isActive)
        try channel.writeInbound(AddressedEnvelope(remoteAddress: source, data: ByteBuffer(bytes: request)))
        #expect(metrics.snapshot().answeredFromCache == 1)
        #expect(metrics.snapshot().writeFailures == 1)
        #expect(channel.isActive)

        channel.pipeline.fireErrorCaught(WriteRefused())
        #expect(metrics.snapshot().readErrors == 1)
        #expect(channel.isActive)
        _ = try? channel.finish()
    }
}
