import CoreMetrics
import Synchronization

/// The RADIUS server's counters: a snapshot that tests and tools can wait on, and the same counts made through
/// swift-metrics with the factories the server was given (no global metrics system, so several servers in one
/// process count apart; none given: no-op). Never labelled with user names, codes or secrets.
public final class RADIUSServerMetrics: Sendable {
    /// Where the counts go. Drop reasons tell a prober whether its address is a configured client (`unknown_client`
    /// against `bad_message_authenticator`), so they go to a factory of their own, which a public view leaves out,
    /// and their sum to another, which it shows.
    public struct Factories: Sendable {
        /// Everything but the drops.
        public var shared: any MetricsFactory
        /// One `otpkit_radius_dropped_total`, every reason summed.
        public var droppedTotal: any MetricsFactory
        /// `otpkit_radius_dropped_total{reason=...}`, one series a reason.
        public var droppedByReason: any MetricsFactory

        public init(shared: any MetricsFactory, droppedTotal: any MetricsFactory, droppedByReason: any MetricsFactory) {
            self.shared = shared
            self.droppedTotal = droppedTotal
            self.droppedByReason = droppedByReason
        }

        /// Nowhere: the snapshot alone.
        public static var none: Factories {
            Factories(shared: NOOPMetricsHandler.instance, droppedTotal: NOOPMetricsHandler.instance, droppedByReason: NOOPMetricsHandler.instance)
        }
    }

    public struct Snapshot: Sendable, Equatable {
        /// Datagrams received.
        public var received = 0
        public var dropped: [RADIUSDropReason: Int] = [:]
        /// The authenticator's decisions that were answered.
        public var decisions: [RADIUSOutcome: Int] = [:]
        /// Access-Requests without User-Password (CHAP, EAP, ...), rejected without asking the authenticator.
        public var rejectedWithoutPassword = 0
        /// Status-Server requests answered.
        public var statusServerAnswered = 0
        /// Retransmits answered from the duplicate cache.
        public var answeredFromCache = 0
        /// Replies handed to the socket successfully.
        public var repliesSent = 0
        /// Replies the socket refused (counted, never fatal).
        public var writeFailures = 0
        /// Errors the socket reported while reading.
        public var readErrors = 0
        /// Decisions under way now.
        public var inFlight = 0

        public func dropped(_ reason: RADIUSDropReason) -> Int { dropped[reason, default: 0] }
        public func decisions(_ outcome: RADIUSOutcome) -> Int { decisions[outcome, default: 0] }
        public var droppedTotal: Int { dropped.values.reduce(0, +) }
    }

    private struct Waiter {
        let predicate: @Sendable (Snapshot) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var snapshot = Snapshot()
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
        var timers: [UInt64: Task<Void, Never>] = [:]
    }

    private let state = Mutex(State())
    private let series: Series

    public init(factories: Factories = .none) {
        // Every series from the start, at 0.
        series = Series(factory: factories.shared, droppedTotal: factories.droppedTotal, droppedByReason: factories.droppedByReason)
    }

    /// The swift-metrics handles, made once (a packet costs a few atomic adds, no registry look-up).
    private struct Series: Sendable {
        let received, rejectedWithoutPassword, statusServer, retransmits, repliesSent, writeFailures, readErrors: CoreMetrics.Counter
        let dropped: [RADIUSDropReason: CoreMetrics.Counter]
        let droppedTotal: CoreMetrics.Counter
        let decisions: [RADIUSOutcome: CoreMetrics.Counter]
        let inFlight: Meter

        init(factory: any MetricsFactory, droppedTotal: any MetricsFactory, droppedByReason: any MetricsFactory) {
            func counter(_ label: String, _ dimensions: [(String, String)] = [], in registry: (any MetricsFactory)? = nil) -> CoreMetrics.Counter {
                CoreMetrics.Counter(label: label, dimensions: dimensions, factory: registry ?? factory)
            }
            received = counter("otpkit_radius_received_total")
            dropped = Dictionary(uniqueKeysWithValues: RADIUSDropReason.allCases.map {
                ($0, counter("otpkit_radius_dropped_total", [("reason", $0.rawValue)], in: droppedByReason))
            })
            self.droppedTotal = counter("otpkit_radius_dropped_total", in: droppedTotal)
            decisions = Dictionary(uniqueKeysWithValues: RADIUSOutcome.allCases.map {
                ($0, counter("otpkit_radius_decisions_total", [("outcome", $0.rawValue)]))
            })
            rejectedWithoutPassword = counter("otpkit_radius_rejected_without_password_total")
            statusServer = counter("otpkit_radius_status_server_total")
            retransmits = counter("otpkit_radius_retransmits_answered_total")
            repliesSent = counter("otpkit_radius_replies_sent_total")
            writeFailures = counter("otpkit_radius_write_failures_total")
            readErrors = counter("otpkit_radius_read_errors_total")
            inFlight = Meter(label: "otpkit_radius_decisions_in_flight", factory: factory)
        }
    }

    public func snapshot() -> Snapshot {
        state.withLock { $0.snapshot }
    }

    func update(_ change: (inout Snapshot) -> Void) {
        let (ready, timers) = state.withLock { state -> ([CheckedContinuation<Bool, Never>], [Task<Void, Never>]) in
            let before = state.snapshot
            change(&state.snapshot)
            record(from: before, to: state.snapshot)
            guard !state.waiters.isEmpty else { return ([], []) }
            let snapshot = state.snapshot
            let matched = state.waiters.filter { $0.value.predicate(snapshot) }
            let timers = matched.keys.compactMap { state.timers.removeValue(forKey: $0) }
            for key in matched.keys { state.waiters[key] = nil }
            return (matched.values.map(\.continuation), timers)
        }
        for timer in timers { timer.cancel() }
        for continuation in ready { continuation.resume(returning: true) }
    }

    func dropped(_ reason: RADIUSDropReason) {
        update { $0.dropped[reason, default: 0] += 1 }
    }

    /// Waits until the counters satisfy `predicate` (true), or `timeout` passes (false): lets tests and tools wait on
    /// the server's events rather than sleep.
    public func wait(timeout: Duration, until predicate: @escaping @Sendable (Snapshot) -> Bool) async -> Bool {
        await withCheckedContinuation { continuation in
            let id = state.withLock { state -> UInt64? in
                if predicate(state.snapshot) { return nil }
                state.nextWaiter += 1
                state.waiters[state.nextWaiter] = Waiter(predicate: predicate, continuation: continuation)
                return state.nextWaiter
            }
            guard let id else { return continuation.resume(returning: true) }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                let waiter = self.state.withLock { state in
                    state.timers[id] = nil
                    return state.waiters.removeValue(forKey: id)
                }
                waiter?.continuation.resume(returning: false)
            }
            let satisfied = state.withLock { state -> Bool in
                guard state.waiters[id] != nil else { return true }
                state.timers[id] = timer
                return false
            }
            if satisfied { timer.cancel() }
        }
    }

    /// Adds what changed between two snapshots to the counters (under the state's lock, so in order).
    private func record(from before: Snapshot, to after: Snapshot) {
        func count(_ counter: CoreMetrics.Counter, _ old: Int, _ new: Int) {
            if new > old { counter.increment(by: new - old) }
        }
        count(series.received, before.received, after.received)
        for (reason, counter) in series.dropped { count(counter, before.dropped(reason), after.dropped(reason)) }
        count(series.droppedTotal, before.droppedTotal, after.droppedTotal)
        for (outcome, counter) in series.decisions { count(counter, before.decisions(outcome), after.decisions(outcome)) }
        count(series.rejectedWithoutPassword, before.rejectedWithoutPassword, after.rejectedWithoutPassword)
        count(series.statusServer, before.statusServerAnswered, after.statusServerAnswered)
        count(series.retransmits, before.answeredFromCache, after.answeredFromCache)
        count(series.repliesSent, before.repliesSent, after.repliesSent)
        count(series.writeFailures, before.writeFailures, after.writeFailures)
        count(series.readErrors, before.readErrors, after.readErrors)
        if before.inFlight != after.inFlight { series.inFlight.set(after.inFlight) }
    }
}
