import DispatchExecutors
import OTPCore
import Synchronization
import TokenDrivers
import USBTransport

/// A provisioning batch: takes each token that arrives, journals a sealed seed before writing it, programs the slot,
/// reads it back (and checks the first code), and commits the journal entry; reports each step in `events`.
///
/// A crash or an unplug at any moment leaves the journal saying which tokens are done, failed or uncertain (see
/// `SeedJournal`); running a batch on the same journal again skips committed tokens unless `reprogram`.
///
/// The batch lives on a serial queue of its own, where the journal's fsyncs block; each token's transfers run in its
/// `TokenSession`. Two ways to stop: `requestStop()` ends the batch after the token in hand (a first Ctrl-C);
/// cancelling the task that runs `run()` ends it at once, reaching the driver's poll wait of the token in hand,
/// which is then uncertain with its seed kept (a second Ctrl-C).
public actor ProvisioningBatch {
    /// Where each seed is journaled before its token is written.
    public nonisolated let journal: SeedJournal
    /// Where tokens come from.
    public nonisolated let arrivals: any TokenArrivalSource
    /// What each token gets, and when the batch stops.
    public nonisolated let settings: ProvisioningSettings
    /// Where the secrets come from.
    public nonisolated let secrets: SecretSupply
    /// What the batch reports, in order, with the tally after each step; it ends when `run()` returns.
    public nonisolated let events: AsyncStream<ProvisioningProgress>
    private let reporter: AsyncStream<ProvisioningProgress>.Continuation
    private let executor = SerialQueueExecutor(label: "otpkit.provisioning-batch")
    private let stopRequested = Atomic<Bool>(false)
    /// The outcomes so far.
    public private(set) var tally = ProvisioningTally()
    /// Addresses handled in this run: a token is taken once per run.
    private var seen: Set<String> = []
    private let askedPIN: AskedPIN?

    /// The batch's own serial queue.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// A batch over `arrivals` into `journal`; it starts with `run()`.
    public init(journal: SeedJournal, arrivals: any TokenArrivalSource, settings: ProvisioningSettings = ProvisioningSettings(),
                secrets: SecretSupply = .random()) {
        self.journal = journal
        self.arrivals = arrivals
        self.settings = settings
        self.secrets = secrets
        (events, reporter) = AsyncStream.makeStream()
        askedPIN = settings.askPIN.map(AskedPIN.init)
    }

    /// Ends the batch after the token in hand; a wait for arrivals ends within half a second. From any thread.
    public nonisolated func requestStop() {
        stopRequested.store(true, ordering: .releasing)
    }

    /// Runs until `count` tokens are done, the tokens present are handled and `wait` has passed, a stop is requested
    /// or the task is cancelled, or a token refuses the PIN. Listing tokens can fail (a USB/IP server gone): that ends
    /// the run with the error, and the journal stands for every token handled before. Run it once: `events` ends
    /// with it.
    public func run() async throws(TransportError) -> ProvisioningEnd {
        defer { reporter.finish() }
        let deadline = ContinuousClock.now + settings.wait
        var end: ProvisioningEnd?
        func settled() -> ProvisioningEnd? {
            if end == nil, Task.isCancelled || stopRequested.load(ordering: .acquiring) { end = .stopRequested }
            if let end { return end }
            if let count = settings.count, tally.done >= count { return .countReached }
            return nil
        }
        var signals: AsyncStream<Void>.Iterator?
        while true {
            for candidate in try await arrivals.presentTokens() where !candidate.busy && !seen.contains(candidate.address) {
                if let settled = settled() { return settled }
                seen.insert(candidate.address)
                if let family = settings.family, candidate.family != family {
                    tally.otherFamily += 1
                    report(.finished(ProvisionedToken(candidate: candidate, serial: candidate.serial ?? "?", slot: nil,
                                                      outcome: .skipped, reason: .otherFamily(asked: family))))
                    continue
                }
                report(.programming(candidate))
                let token = await provision(candidate)
                tally.count(token.outcome)
                report(.finished(token))
                if token.reason?.isRefusedPIN == true { end = .refusedPIN(serial: token.serial) }
            }
            if let settled = settled() { return settled }
            guard deadline > ContinuousClock.now else { return .noMoreTokens }
            report(.waiting)
            if signals == nil { signals = arrivals.arrivalSignals().makeAsyncIterator() }
            // The source ended its signals without a cancel: nothing more will arrive.
            if await signals?.next() == nil, !Task.isCancelled { return .noMoreTokens }
        }
    }

    private func report(_ event: ProvisioningEvent) {
        reporter.yield(ProvisioningProgress(event: event, tally: tally))
    }

    /// What a batch needs to know of a token before it journals: read in the token's session.
    private struct SlotFacts: Sendable {
        let serial: String
        let defaultSlot: Int
        let canCheckFirstCode: Bool
    }

    /// One token: journal the intent, program, read back, commit; or say what stands.
    private func provision(_ candidate: TokenCandidate) async -> ProvisionedToken {
        var serial = candidate.serial ?? "?"
        var slot = settings.slot ?? (candidate.family == .yubiKey ? 1 : 0)
        func outcome(_ outcome: ProvisioningOutcome, _ reason: ProvisioningReason? = nil) -> ProvisionedToken {
            ProvisionedToken(candidate: candidate, serial: serial, slot: slot, outcome: outcome, reason: reason)
        }
        let session: TokenSession
        do { session = try await arrivals.open(candidate) } catch { return outcome(.failed, .unopened(error)) }
        let facts = await session.perform { token in
            let programmer = token.slotProgrammer
            return SlotFacts(serial: programmer.serial, defaultSlot: programmer.defaultSlot, canCheckFirstCode: programmer.canCheckFirstCode)
        }
        serial = facts.serial
        slot = settings.slot ?? facts.defaultSlot
        if !settings.reprogram && journal.isCommitted(serial: serial, slot: slot) { return outcome(.skipped, .committedAlready) }
        // A generated code moves the counter on: the seed records the counter after it.
        let checksCode = settings.checkFirstCode && facts.canCheckFirstCode
        var intent: (id: String, secret: Secret)?
        while intent == nil {
            guard let secret = secrets.next() else { return outcome(.failed, .secretsUsedUp) }
            do {
                let seed = SeedRecord(serial: serial, slot: slot, family: candidate.family.rawValue, digits: settings.digits,
                                      counter: settings.counter + (checksCode ? 1 : 0), secret: secret)
                intent = (try journal.recordIntent(seed, reprogram: true), secret)
            } catch .duplicateSecret where secrets.isList {
                continue  // a supplied secret the journal has used already: take the next one
            } catch {
                return outcome(.failed, .journal(error))
            }
        }
        guard let (id, secret) = intent else { return outcome(.failed, .secretsUsedUp) }
        var request = HOTPSlotRequest(slot: slot, secret: secret, digits: settings.digits, counter: settings.counter,
                                      name: settings.name, overwrite: true, pin: settings.pin, checkFirstCode: checksCode)
        request.yubiKey = settings.yubiKey
        if let askedPIN { request.askPIN = { what in askedPIN.answer(what) } }
        let programming = request
        do {
            _ = try await session.perform { (token) throws(HOTPProgrammingError) in try token.slotProgrammer.program(programming) }
        } catch {
            // Lost mid-way (or cancelled in a wait): no outcome is written, so the record stays uncertain with its seed kept.
            if error.leavesTokenUncertain { return outcome(.uncertain, .programming(error)) }
            try? journal.fail(id, reason: error.description)
            return outcome(.failed, .programming(error))
        }
        do { try journal.commit(id) } catch {
            try? journal.fail(id, reason: error.description)
            return outcome(.failed, .journal(error))
        }
        return outcome(.done)
    }
}
