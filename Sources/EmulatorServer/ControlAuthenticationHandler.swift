import EmulatorControl
import NIOCore

/// The first handler of a control connection that needs a token: the client's first line must be the token,
/// within `deadline` of connecting. A wrong or overlong first line, or silence until the deadline, closes the
/// connection without an answer. Only then is the connection admitted (`admit`, which enforces the cap on
/// connections served at once), so connections that never authenticate take nobody's place.
final class ControlAuthenticationHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// How long a client has to send its token.
    static let defaultDeadline = TimeAmount.seconds(5)

    private let token: ControlChannelToken
    private let deadline: TimeAmount
    private let admit: (Channel) -> Bool
    private var firstLine: [UInt8] = []
    private var timer: Scheduled<Void>?
    private var state = State.awaitingToken

    private enum State {
        case awaitingToken, admitted, refused
    }

    init(token: ControlChannelToken, deadline: TimeAmount, admit: @escaping (Channel) -> Bool) {
        self.token = token
        self.deadline = deadline
        self.admit = admit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: deadline) { loopBound.value.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .awaitingToken: break
        case .admitted: return context.fireChannelRead(data)
        case .refused: return
        }
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else {
            firstLine += bytes
            if firstLine.count > ControlChannelToken.maximumLength + 1 { refuse(context) }
            return
        }
        firstLine += bytes[..<newline]
        if firstLine.last == UInt8(ascii: "\r") { firstLine.removeLast() }
        let accepted = firstLine.count <= ControlChannelToken.maximumLength && token.matches(firstLine)
        firstLine = []
        guard accepted, admit(context.channel) else { return refuse(context) }
        state = .admitted
        timer?.cancel()
        timer = nil
        let rest = bytes[(newline + 1)...]
        if !rest.isEmpty { context.fireChannelRead(wrapInboundOut(ByteBuffer(bytes: rest))) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func refuse(_ context: ChannelHandlerContext) {
        state = .refused
        firstLine = []
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
