import NIOCore
import RADIUS
import Synchronization

/// What the server does with one datagram, apart from the socket: the checks in order, the duplicate cache, the
/// limit on decisions in flight, and the reply. `admit` runs on the event loop and is cheap (decode, cache lookup);
/// `decide` runs in a task of its own (client lookup, authenticators, the authenticator's decision).
final class RADIUSRequestProcessor: Sendable {
    enum Admission: Sendable {
        case drop
        /// A retransmit: send these bytes again.
        case answer([UInt8])
        case decide(Pending)
    }

    struct Pending: Sendable {
        let packet: RADIUSPacket
        let source: SocketAddress
        /// Nil for Status-Server, which is never cached (RFC 5997 section 3: each one is answered afresh).
        let key: RADIUSDuplicateCache.Key?
    }

    private struct State {
        var cache: RADIUSDuplicateCache
        var inFlight = 0
    }

    let clients: any RADIUSClientDirectory
    let authenticator: any RADIUSAuthenticator
    let options: RADIUSServerOptions
    let metrics: RADIUSServerMetrics
    private let state: Mutex<State>
    private let now: @Sendable () -> NIODeadline

    init(clients: any RADIUSClientDirectory, authenticator: any RADIUSAuthenticator, options: RADIUSServerOptions,
         metrics: RADIUSServerMetrics, now: @escaping @Sendable () -> NIODeadline = { .now() }) {
        self.clients = clients
        self.authenticator = authenticator
        self.options = options
        self.metrics = metrics
        self.state = Mutex(State(cache: RADIUSDuplicateCache(window: options.duplicateWindow, capacity: options.duplicateCacheCapacity)))
        self.now = now
    }

    func admit(_ datagram: [UInt8], from source: SocketAddress) -> Admission {
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
        let limit = options.maximumDecisionsInFlight, now = self.now()
        enum Verdict { case cached([UInt8]), dropped(RADIUSDropReason), admitted(Int) }
        let verdict = state.withLock { state -> Verdict in
            if let key {
                switch state.cache.lookup(key, now: now) {
                case .answered(let reply): return .cached(reply)
                case .inProgress: return .dropped(.duplicateInProgress)
                case .miss: break
                }
            }
            guard state.inFlight < limit else { return .dropped(.overloaded) }
            state.inFlight += 1
            if let key { state.cache.begin(key) }
            return .admitted(state.inFlight)
        }
        switch verdict {
        case .cached(let reply):
            metrics.update { $0.answeredFromCache += 1 }
            return .answer(reply)
        case .dropped(let reason):
            metrics.dropped(reason)
            return .drop
        case .admitted(let inFlight):
            metrics.update { $0.inFlight = inFlight }
            return .decide(Pending(packet: packet, source: source, key: key))
        }
    }

    /// The reply to send for an admitted request, or nil to send nothing (the reason is counted).
    func decide(_ pending: Pending) async -> [UInt8]? {
        let outcome = await outcome(of: pending)
        let reply: [UInt8]?
        switch outcome {
        case .drop(let reason):
            metrics.dropped(reason)
            reply = nil
        case .reply(let bytes, let count):
            metrics.update(count)
            reply = bytes
        }
        let inFlight = state.withLock { state -> Int in
            state.inFlight -= 1
            if let key = pending.key {
                if let reply { state.cache.finish(key, reply: reply, now: now()) } else { state.cache.abandon(key) }
            }
            return state.inFlight
        }
        metrics.update { $0.inFlight = inFlight }
        return reply
    }

    private enum Outcome {
        case drop(RADIUSDropReason)
        case reply([UInt8], count: (inout RADIUSServerMetrics.Snapshot) -> Void)
    }

    private func outcome(of pending: Pending) async -> Outcome {
        let packet = pending.packet
        let client: RADIUSClient
        do {
            guard let found = try await clients.client(for: pending.source) else { return .drop(.unknownClient) }
            client = found
        } catch {
            return .drop(.clientLookupFailed)
        }
        let secret = client.sharedSecret
        switch RADIUSMessageAuthenticator.check(request: packet, secret: secret) {
        case .valid: break
        case .invalid, .malformed: return .drop(.badMessageAuthenticator)
        case .absent:
            if packet.code == .statusServer || client.messageAuthenticator == .required { return .drop(.missingMessageAuthenticator) }
        }
        if packet.code == .statusServer {
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
            nasIdentifier: text(packet, .nasIdentifier), callingStationID: text(packet, .callingStationID), source: pending.source)

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
