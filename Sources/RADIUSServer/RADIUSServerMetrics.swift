import Synchronization

/// The RADIUS server's counters, in Prometheus' text format through `prometheusText()`. Never labelled with user
/// names, codes or secrets.
public final class RADIUSServerMetrics: Sendable {
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

    public init() {}

    public func snapshot() -> Snapshot {
        state.withLock { $0.snapshot }
    }

    func update(_ change: (inout Snapshot) -> Void) {
        let (ready, timers) = state.withLock { state -> ([CheckedContinuation<Bool, Never>], [Task<Void, Never>]) in
            change(&state.snapshot)
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

    public func prometheusText() -> String {
        let s = snapshot()
        var lines = ["# HELP otpkit_radius_received_total RADIUS datagrams received.",
                     "# TYPE otpkit_radius_received_total counter", "otpkit_radius_received_total \(s.received)",
                     "# HELP otpkit_radius_dropped_total RADIUS datagrams dropped without an answer, by reason.",
                     "# TYPE otpkit_radius_dropped_total counter"]
        for reason in RADIUSDropReason.allCases {
            lines.append("otpkit_radius_dropped_total{reason=\"\(reason.rawValue)\"} \(s.dropped(reason))")
        }
        lines += ["# HELP otpkit_radius_decisions_total Access-Requests decided and answered, by outcome.",
                  "# TYPE otpkit_radius_decisions_total counter"]
        for outcome in RADIUSOutcome.allCases {
            lines.append("otpkit_radius_decisions_total{outcome=\"\(outcome.rawValue)\"} \(s.decisions(outcome))")
        }
        lines += [
            "# HELP otpkit_radius_rejected_without_password_total Access-Requests without User-Password (CHAP, EAP), rejected.",
            "# TYPE otpkit_radius_rejected_without_password_total counter",
            "otpkit_radius_rejected_without_password_total \(s.rejectedWithoutPassword)",
            "# HELP otpkit_radius_status_server_total Status-Server requests answered.",
            "# TYPE otpkit_radius_status_server_total counter", "otpkit_radius_status_server_total \(s.statusServerAnswered)",
            "# HELP otpkit_radius_retransmits_answered_total Retransmits answered from the duplicate cache.",
            "# TYPE otpkit_radius_retransmits_answered_total counter",
            "otpkit_radius_retransmits_answered_total \(s.answeredFromCache)",
            "# HELP otpkit_radius_replies_sent_total Replies handed to the socket.",
            "# TYPE otpkit_radius_replies_sent_total counter", "otpkit_radius_replies_sent_total \(s.repliesSent)",
            "# HELP otpkit_radius_write_failures_total Replies the socket refused.",
            "# TYPE otpkit_radius_write_failures_total counter", "otpkit_radius_write_failures_total \(s.writeFailures)",
            "# HELP otpkit_radius_read_errors_total Errors reading the socket.",
            "# TYPE otpkit_radius_read_errors_total counter", "otpkit_radius_read_errors_total \(s.readErrors)",
            "# HELP otpkit_radius_decisions_in_flight Access-Requests being decided now.",
            "# TYPE otpkit_radius_decisions_in_flight gauge", "otpkit_radius_decisions_in_flight \(s.inFlight)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
