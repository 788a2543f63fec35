import NIOCore
import RADIUS
import Synchronization

/// What the server does with one datagram, apart from the socket: the checks in order, the duplicate cache, the
/// limit on decisions in flight, and the reply.
///
/// `receive` runs on the event loop and is cheap (decode; a retransmit answered from the cache). `handle` runs in a
/// task of its own: first the client lookup and the Message-Authenticator check, and only a datagram that passed
/// them takes a decision slot (`maximumDecisionsInFlight`) and a duplicate-cache entry, so a flood from unknown
/// addresses or with forged authenticators never crowds out a real client's request. The checks themselves are
/// bounded too (`maximumChecksInFlight`), so a flood cannot queue tasks without end.
final class RADIUSRequestProcessor: Sendable {
    enum Reception: Sendable {
        case drop
        /// A retransmit: send these bytes again.
        case answer([UInt8])
        case check(Received)
    }

    /// A datagram that decoded as a request, to be checked and decided.
    struct Received: Sendable {
        let packet: RADIUSPacket
        let source: SocketAddress
        /// Nil for Status-Server, which is never cached (RFC 5997 section 3: each one is answered afresh).
        let key: RADIUSDuplicateCache.Key?
    }

    private struct State {
        var cache: RADIUSDuplicateCache
        /// Datagrams between `receive` and the end of their checks.
        var checking = 0
        /// Requests holding a decision slot.
        var inFlight = 0
    }

    let clients: any RADIUSClientDirectory
    let authenticator: any RADIUSAuthenticator
    let options: RADIUSServerOptions
    let metrics: RADIUSServerMetrics
    /// Whether the node may take traffic now; Status-Server is answered only while it says so.
    let isReady: @Sendable () async -> Bool
    private let state: Mutex<State>
    private let now: @Sendable () -> NIODeadline

    init(clients: any RADIUSClientDirectory, authenticator: any RADIUSAuthenticator, options: RADIUSServerOptions,
         metrics: RADIUSServerMetrics, isReady: @escaping @Sendable () async -> Bool = { true },
         now: @escaping @Sendable () -> NIODeadline = { .now() }) {
        self.clients = clients
        self.authenticator = authenticator
        self.options = options
        self.metrics = metrics
        self.isReady = isReady
        self.state = Mutex(State(cache: RADIUSDuplicateCache(window: options.duplicateWindow, capacity: options.duplicateCacheCapacity)))
        self.now = now
    }

    /// On the event loop: decodes, answers a retransmit of a request already answered (only the very source,
    /// Identifier and Request Authenticator find it), and hands anything else on to be checked.
    func receive(_ datagram: [UInt8], from source: SocketAddress) -> Reception {
        metrics.update { $0.received += 1 }
        let packet: RADIUSPacket
        do {
            packet = try RADIUSPacket(decoding: datagram)
        } catch {
            metrics.dropped(Self.reason(error.category))
            return .drop
        }
        guard !packet.code.isReply else {
            metrics.dropped(.unexpectedCode)
            return .drop
        }
        let key = packet.code == .accessRequest
            ? RADIUSDuplicateCache.Key(source: source, identifier: packet.identifier, authenticator: packet.authenticator) : nil
        let limit = options.maximumChecksInFlight, now = self.now()
        enum Verdict { case cached([UInt8]), dropped(RADIUSDropReason), check }
        let verdict = state.withLock { state -> Verdict in
            if let key {
                switch state.cache.lookup(key, now: now) {
                case .answered(let reply): return .cached(reply)
                case .inProgress: return .dropped(.duplicateInProgress)
                case .miss: break
                }
            }
            guard state.checking < limit else { return .dropped(.overloaded) }
            state.checking += 1
            return .check
        }
        switch verdict {
        case .cached(let reply):
            metrics.update { $0.answeredFromCache += 1 }
            return .answer(reply)
        case .dropped(let reason):
            metrics.dropped(reason)
            return .drop
        case .check:
            return .check(Received(packet: packet, source: source, key: key))
        }
    }

    /// The reply to send for a received request, or nil to send nothing (the reason is counted).
    func handle(_ received: Received) async -> [UInt8]? {
        let checked = await check(received)
        state.withLock { $0.checking -= 1 }
        guard case .passed(let client) = checked else {
            if case .dropped(let reason) = checked { metrics.dropped(reason) }
            return nil
        }
        switch claimSlot(for: received) {
        case .cached(let reply):
            metrics.update { $0.answeredFromCache += 1 }
            return reply
        case .dropped(let reason):
            metrics.dropped(reason)
            return nil
        case .claimed(let inFlight):
            metrics.update { $0.inFlight = inFlight }
        }
        let reply: [UInt8]?
        switch await outcome(of: received, from: client) {
        case .drop(let reason):
            metrics.dropped(reason)
            reply = nil
        case .reply(let bytes, let count):
            metrics.update(count)
            reply = bytes
        }
        let inFlight = state.withLock { state -> Int in
            state.inFlight -= 1
            if let key = received.key {
                if let reply { state.cache.finish(key, reply: reply, now: now()) } else { state.cache.abandon(key) }
            }
            return state.inFlight
        }
        metrics.update { $0.inFlight = inFlight }
        return reply
    }

    private enum Check {
        case passed(RADIUSClient)
        case dropped(RADIUSDropReason)
    }

    /// The client the datagram comes from, and its Message-Authenticator: nothing else is looked at before these.
    private func check(_ received: Received) async -> Check {
        let client: RADIUSClient
        do {
            guard let found = try await clients.client(for: received.source) else { return .dropped(.unknownClient) }
            client = found
        } catch {
            return .dropped(.clientLookupFailed)
        }
        switch RADIUSMessageAuthenticator.check(request: received.packet, secret: client.sharedSecret) {
        case .valid: return .passed(client)
        case .invalid, .malformed: return .dropped(.badMessageAuthenticator)
        case .absent:
            if received.packet.code == .statusServer || client.messageAuthenticator == .required { return .dropped(.missingMessageAuthenticator) }
            return .passed(client)
        }
    }

    private enum Claim {
        case cached([UInt8])
        case dropped(RADIUSDropReason)
        case claimed(inFlight: Int)
    }

    /// A decision slot and, for an Access-Request, its duplicate-cache entry; a retransmit that raced its request
    /// through the checks finds the cache again here.
    private func claimSlot(for received: Received) -> Claim {
        let limit = options.maximumDecisionsInFlight, now = self.now()
        return state.withLock { state -> Claim in
            if let key = received.key {
                switch state.cache.lookup(key, now: now) {
                case .answered(let reply): return .cached(reply)
                case .inProgress: return .dropped(.duplicateInProgress)
                case .miss: break
                }
            }
            guard state.inFlight < limit else { return .dropped(.overloaded) }
            state.inFlight += 1
            if let key = received.key { state.cache.begin(key) }
            return .claimed(inFlight: state.inFlight)
        }
    }

    private enum Outcome {
        case drop(RADIUSDropReason)
        case reply([UInt8], count: (inout RADIUSServerMetrics.Snapshot) -> Void)
    }

    private func outcome(of received: Received, from client: RADIUSClient) async -> Outcome {
        let packet = received.packet
        let secret = client.sharedSecret
        if packet.code == .statusServer {
            // RFC 5997's purpose: a NAS or load balancer probing a node that cannot decide must see it fail.
            guard await isReady() else { return .drop(.notReady) }
            return reply(.accessAccept, [], to: packet, secret: secret) { $0.statusServerAnswered += 1 }
        }

        let credentials: RADIUSCredentials
        do {
            credentials = try RADIUSCredentials(reading: packet, secret: secret)
        } catch .missingUserName {
            return .drop(.missingUserName)
        } catch {
            return .drop(.malformed)
        }
        guard let password = credentials.password else {
            // CHAP, EAP and the like: a clear refusal, so the NAS does not take otpkit for dead and fail over.
            return reply(.accessReject, [], to: packet, secret: secret) { $0.rejectedWithoutPassword += 1 }
        }
        let request = RADIUSAccessRequest(
            clientName: client.name, userName: userName(credentials.userName), password: password, state: credentials.state,
            nasIdentifier: text(packet, .nasIdentifier), callingStationID: text(packet, .callingStationID), source: received.source)

        switch await authenticator.decide(request) {
        case .accept(let message):
            return reply(.accessAccept, message.map(RADIUSAttribute.replyMessages) ?? [], to: packet, secret: secret) {
                $0.decisions[.accepted, default: 0] += 1
            }
        case .reject(let message):
            return reply(.accessReject, message.map(RADIUSAttribute.replyMessages) ?? [], to: packet, secret: secret) {
                $0.decisions[.rejected, default: 0] += 1
            }
        case .challenge(let state, let message):
            guard let stateAttribute = try? RADIUSAttribute(type: .state, value: state) else { return .drop(.replyTooLong) }
            return reply(.accessChallenge, [stateAttribute] + RADIUSAttribute.replyMessages(message), to: packet, secret: secret) {
                $0.decisions[.challenged, default: 0] += 1
            }
        case .noAnswer:
            return .drop(.noAnswer)
        }
    }

    private func reply(_ code: RADIUSCode, _ attributes: [RADIUSAttribute], to packet: RADIUSPacket, secret: RADIUSSharedSecret,
                       count: @escaping (inout RADIUSServerMetrics.Snapshot) -> Void) -> Outcome {
        guard let bytes = try? RADIUSReply.encode(code, attributes: attributes, to: packet, secret: secret) else { return .drop(.replyTooLong) }
        return .reply(bytes, count: count)
    }

    private func userName(_ name: String) -> String {
        guard options.realm == .strip, let at = name.lastIndex(of: "@") else { return name }
        return String(name[..<at])
    }

    private func text(_ packet: RADIUSPacket, _ type: RADIUSAttributeType) -> String? {
        guard case .present(let value) = packet.singleValue(of: type) else { return nil }
        return String(validating: value, as: UTF8.self)
    }

    static func reason(_ category: RADIUSDecodingError.Category) -> RADIUSDropReason {
        switch category {
        case .malformed: .malformed
        case .unknownCode: .unknownCode
        case .tooLong: .tooLong
        }
    }
}
