import Foundation
import ServiceManager
import Synchronization
import TestSupport
import Testing
@testable import VerifierServer

/// The watchdog against a probe the test steers: pings while it passes, none while it fails or hangs (a hung probe
/// is never waited for past an interval, nor run twice), pings again once it answers, and an end at cancellation.
@Suite struct WatchdogServiceTests {
    enum Mode { case pass, fail, hang }

    @Test func pingsOnlyWhileTheProbeAnswersInTime() async throws {
        let notify = try NotifySocketCatcher()
        let made = ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": notify.name], report: { _ in })
        let notifier = try #require(made)
        let mode = Mutex(Mode.pass)
        let probes = Atomic<Int>(0), hanging = Atomic<Bool>(false)
        let watchdog = WatchdogService(notifier: notifier, timeout: WatchdogTimeout(timeout: .seconds(1)), probe: {
            probes.add(1, ordering: .relaxed)
            while mode.withLock({ $0 }) == .hang {
                hanging.store(true, ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(10))
            }
            hanging.store(false, ordering: .relaxed)
            return mode.withLock({ $0 }) == .fail ? "the store is gone" : nil
        })
        let running = Task { try await watchdog.run() }
        #expect(await Self.offThePool { notify.all(within: 1) }.isEmpty, "no ping before READY=1")
        notifier.send(.ready())
        #expect(await Self.offThePool { notify.next(timeout: 60) } == "READY=1")
        // Events, not windows: a busy test process may delay a ping, never invent one.
        for _ in 0..<2 { #expect(await Self.offThePool { notify.next(timeout: 60) } == "WATCHDOG=1") }

        for trouble in [Mode.fail, .hang] {
            let switched = probes.load(ordering: .relaxed)
            mode.withLock { $0 = trouble }
            // A probe that started after the switch: the one before it, which may have passed, and its ping are over
            // (the service probes, pings, waits, probes again); that ping is in the socket by now, and is drained.
            while probes.load(ordering: .relaxed) <= switched { try await Task.sleep(for: .milliseconds(10)) }
            if trouble == .hang {
                while !hanging.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(10)) }
            }
            _ = await Self.offThePool { notify.all(within: 0.1) }
            let before = probes.load(ordering: .relaxed)
            #expect(await Self.offThePool { notify.all(within: 1.5) }.isEmpty, "pinged while the probe \(trouble == .fail ? "fails" : "hangs")")
            if trouble == .hang { #expect(probes.load(ordering: .relaxed) == before, "a hung probe is not run again") }
            mode.withLock { $0 = .pass }
            #expect(await Self.offThePool { notify.next(timeout: 60) } == "WATCHDOG=1", "pings resume")
        }

        mode.withLock { $0 = .hang }
        try await Task.sleep(for: .milliseconds(700))
        let cancelled = ContinuousClock.now
        running.cancel()
        _ = try? await running.value
        // The probe stays hung until after this line: the service's end at all shows it did not wait for it (the
        // bound only keeps a regression from hanging the run; a loaded machine may take seconds to schedule it).
        #expect(ContinuousClock.now - cancelled < .seconds(60), "cancellation never waits for a hung probe")
        mode.withLock { $0 = .pass }
    }

    /// Blocking reads on a thread of their own: the watchdog under test needs the cooperative pool.
    private static func offThePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in Thread { continuation.resume(returning: body()) }.start() }
    }
}
