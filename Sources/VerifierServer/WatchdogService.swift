import ServiceLifecycle
import ServiceManager
import Synchronization

/// Pings systemd's watchdog (`WATCHDOG=1`) every half timeout, but only after a probe of the node passed in time:
/// a node whose event loops or store hang, or that is not ready (the readiness `/healthz` answers), stops pinging,
/// and systemd restarts it once `WatchdogSec` passed without a ping. No pings before `READY=1` went out.
///
/// A probe runs in a task of its own and is awaited for one interval at most; one that has not answered by then
/// counts as a failure and is awaited again (never run twice at once) on the next tick. Each change between
/// pinging and not pinging is one operator note.
struct WatchdogService: Service {
    let notifier: ServiceManagerNotifier
    let timeout: WatchdogTimeout
    /// nil when the node answers; else why it does not (one line for the operator).
    let probe: @Sendable () async -> String?

    func run() async throws {
        await cancelWhenGracefulShutdown { await pingWhileHealthy() }
    }

    private func pingWhileHealthy() async {
        let interval = timeout.pingInterval
        let clock = ContinuousClock()
        var running: Task<ProbeOutcome, Never>?
        var failing = false
        while !Task.isCancelled {
            let tick = clock.now
            let probing = running ?? Task { [probe] in await probe().map(ProbeOutcome.failed) ?? .passed }
            let outcome = await Self.outcome(of: probing, within: interval)
            running = outcome == .late ? probing : nil
            switch outcome {
            case .passed:
                if notifier.hasSentReady { notifier.send(.watchdog) }
                if failing { OperatorNotes.write("watchdog: the node answers again; pinging systemd", priority: .notice) }
                failing = false
            case .late, .failed:
                guard !Task.isCancelled else { return }
                if !failing {
                    let reason = if case .failed(let why) = outcome { "not ready: \(why)" } else { "no answer within \(interval)" }
                    OperatorNotes.write("watchdog: \(reason); not pinging systemd, which restarts the service after WatchdogSec")
                }
                failing = true
            }
            do { try await Task.sleep(until: tick + interval, clock: clock) } catch { return }
        }
    }

    enum ProbeOutcome: Sendable, Equatable {
        case passed, failed(String), late
    }

    /// The probe's outcome, or `.late` when it has not finished within `limit` or the caller was cancelled: never
    /// waits longer for a probe that hangs.
    private static func outcome(of probe: Task<ProbeOutcome, Never>, within limit: Duration) async -> ProbeOutcome {
        let first = FirstAnswer<ProbeOutcome>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                first.wait(with: continuation)
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    first.answer(.late)
                }
                Task {
                    let outcome = await probe.value
                    timer.cancel()
                    first.answer(outcome)
                }
            }
        } onCancel: {
            first.answer(.late)
        }
    }
}

/// A continuation resumed by the first of racing answers (which may come before the continuation); later ones are
/// dropped.
private final class FirstAnswer<Value: Sendable>: Sendable {
    private enum Phase {
        case idle, waiting(CheckedContinuation<Value, Never>), early(Value), done
    }

    private let phase = Mutex(Phase.idle)

    func wait(with continuation: CheckedContinuation<Value, Never>) {
        let early: Value? = phase.withLock { phase in
            guard case .early(let value) = phase else { phase = .waiting(continuation); return nil }
            phase = .done
            return value
        }
        if let early { continuation.resume(returning: early) }
    }

    func answer(_ value: Value) {
        let waiting: CheckedContinuation<Value, Never>? = phase.withLock { phase in
            switch phase {
            case .idle: phase = .early(value); return nil
            case .waiting(let continuation): phase = .done; return continuation
            case .early, .done: return nil
            }
        }
        waiting?.resume(returning: value)
    }
}
