import DispatchExecutors
import NIOCore
import RADIUS

/// The datagram channel's only handler: hands each datagram to the processor, answers retransmits from the cache at
/// once, and starts a task for each request to check and decide, which writes its reply through the channel when done. Socket
/// errors, on reading or writing, are counted and never close the channel.
final class RADIUSDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let processor: RADIUSRequestProcessor
    private let executor: DispatchQueueTaskExecutor

    init(processor: RADIUSRequestProcessor, executor: DispatchQueueTaskExecutor) {
        self.processor = processor
        self.executor = executor
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let source = envelope.remoteAddress
        switch processor.receive(Array(envelope.data.readableBytesView), from: source) {
        case .drop:
            return
        case .answer(let reply):
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: source, data: context.channel.allocator.buffer(bytes: reply))),
                                  promise: promise)
            processor.metrics.countWrite(promise.futureResult)
        case .check(let received):
            let channel = context.channel, processor = self.processor
            Task(executorPreference: executor) {
                guard let reply = await processor.handle(received) else { return }
                let envelope = AddressedEnvelope(remoteAddress: source, data: channel.allocator.buffer(bytes: reply))
                processor.metrics.countWrite(channel.writeAndFlush(envelope))
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        processor.metrics.update { $0.readErrors += 1 }
    }
}

extension RADIUSServerMetrics {
    /// Counts a reply's write when it completes: sent, or refused by the socket.
    func countWrite(_ write: EventLoopFuture<Void>) {
        write.whenComplete { result in
            switch result {
            case .success: self.update { $0.repliesSent += 1 }
            case .failure: self.update { $0.writeFailures += 1 }
            }
        }
    }
}
