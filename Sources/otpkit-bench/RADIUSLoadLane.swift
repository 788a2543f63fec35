import NIOCore
import RADIUS

/// What one lane of the RADIUS load saw.
struct RADIUSLaneTally: Sendable {
    /// Milliseconds from a request's first sending to its verified reply (a retransmit's wait included).
    var latencies: [Double] = []
    var accepts = 0
    var rejects = 0
    var challenges = 0
    /// Requests that got no reply to the first sending nor to the retransmit.
    var timeouts = 0
    var retransmits = 0
    /// Replies whose authenticators did not verify (never counted as answers).
    var badReplies = 0
    /// Replies to a request the lane had already given up on or had answered (a retransmit's second reply).
    var staleReplies = 0
    var socketErrors = 0
    /// When the lane's last request was settled.
    var finished = NIODeadline.uptimeNanoseconds(0)
}

/// One lane of the RADIUS load, as one NAS port would be: its own UDP socket, one Access-Request outstanding at a
/// time, each the next code of the next of its own users (walked in order from their tokens' counters, so every code
/// is its token's next one),
/// with Message-Authenticator. Each reply is checked with the codec's `verifyReply`. A request unanswered after
/// `retransmitAfter` is sent again, with the very same bytes, once (as a NAS does); unanswered again, it is counted
/// as a timeout and the lane goes on. The lane stops sending at `until` and reports its tally.
final class RADIUSLoadLane: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    struct Plan: Sendable {
        let server: SocketAddress
        let users: [String]
        /// The index in `codes` of each user's next code (their token's counter), parallel to `users`.
        let nextCodes: [Int]
        /// The tokens' codes by counter.
        let codes: [String]
        let secret: RADIUSSharedSecret
        let until: NIODeadline
        let retransmitAfter: TimeAmount
    }

    private struct Outstanding {
        let identifier: UInt8
        let authenticator: [UInt8]
        let bytes: [UInt8]
        let firstSent: NIODeadline
        var retransmitted: Bool
        var timer: Scheduled<Void>
    }

    private let plan: Plan
    private let done: EventLoopPromise<RADIUSLaneTally>
    private var tally = RADIUSLaneTally()
    private var step = 0
    private lazy var positions = plan.nextCodes
    private var identifier: UInt8 = 0
    private var outstanding: Outstanding?
    private var context: ChannelHandlerContext?
    private var finished = false

    init(plan: Plan, done: EventLoopPromise<RADIUSLaneTally>) {
        self.plan = plan
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        sendNext()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            finished = true
            done.fail(TestProcessFailure("a RADIUS load lane's socket closed before its end"))
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let datagram = Array(unwrapInboundIn(data).data.readableBytesView)
        guard let request = outstanding else {
            tally.staleReplies += 1
            return
        }
        let reply: RADIUSPacket
        do {
            reply = try RADIUSClientCodec.verifyReply(datagram, identifier: request.identifier,
                                                      requestAuthenticator: request.authenticator, secret: plan.secret)
        } catch .identifierMismatch {
            tally.staleReplies += 1
            return
        } catch {
            tally.badReplies += 1
            return
        }
        request.timer.cancel()
        outstanding = nil
        tally.latencies.append(Double((NIODeadline.now() - request.firstSent).nanoseconds) / 1e6)
        switch reply.code {
        case .accessAccept: tally.accepts += 1
        case .accessChallenge: tally.challenges += 1
        default: tally.rejects += 1
        }
        sendNext()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        tally.socketErrors += 1
    }

    private func sendNext() {
        guard let context, !finished else { return }
        let now = NIODeadline.now()
        guard now < plan.until else {
            finished = true
            tally.finished = now
            done.succeed(tally)
            context.close(promise: nil)
            return
        }
        let index = step % plan.users.count
        let user = plan.users[index]
        let code = plan.codes[positions[index] % plan.codes.count]
        positions[index] += 1
        step += 1
        identifier &+= 1
        let authenticator = Self.randomAuthenticator()
        let bytes: [UInt8]
        do {
            bytes = try RADIUSClientCodec.accessRequest(identifier: identifier, requestAuthenticator: authenticator, userName: user,
                                                        password: RADIUSPassword(code), secret: plan.secret)
        } catch {
            finished = true
            done.fail(error)
            context.close(promise: nil)
            return
        }
        send(bytes, context: context)
        outstanding = Outstanding(identifier: identifier, authenticator: authenticator, bytes: bytes, firstSent: now,
                                  retransmitted: false, timer: scheduleTimeout(context))
    }

    private func timedOut() {
        guard let context, var request = outstanding else { return }
        if request.retransmitted {
            tally.timeouts += 1
            outstanding = nil
            sendNext()
            return
        }
        tally.retransmits += 1
        send(request.bytes, context: context)
        request.retransmitted = true
        request.timer = scheduleTimeout(context)
        outstanding = request
    }

    private func send(_ bytes: [UInt8], context: ChannelHandlerContext) {
        let envelope = AddressedEnvelope(remoteAddress: plan.server, data: context.channel.allocator.buffer(bytes: bytes))
        context.writeAndFlush(wrapOutboundOut(envelope), promise: nil)
    }

    private func scheduleTimeout(_ context: ChannelHandlerContext) -> Scheduled<Void> {
        context.eventLoop.assumeIsolated().scheduleTask(in: plan.retransmitAfter) { [self] in timedOut() }
    }

    /// A fresh Request Authenticator: 16 bytes from the system's secure generator, drawn 8 at a time.
    private static func randomAuthenticator() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return withUnsafeBytes(of: generator.next() as UInt64) { Array($0) } + withUnsafeBytes(of: generator.next() as UInt64) { Array($0) }
    }
}
