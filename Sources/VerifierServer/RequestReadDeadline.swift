import HummingbirdCore
import NIOCore

/// Closes a connection whose request body does not arrive whole within `timeout` of its head: a client trickling a
/// byte now and then would otherwise hold its connection (and a request slot) for as long as it likes.
final class RequestReadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    /// Hummingbird's request parts (NIOHTTPTypes' `HTTPRequestPart`), named through the handler that shares its place.
    typealias InboundIn = HTTPConnectionStateHandler.InboundIn
    typealias InboundOut = InboundIn

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            deadline = context.eventLoop.scheduleTask(in: timeout) { loopBound.value.close(promise: nil) }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}
