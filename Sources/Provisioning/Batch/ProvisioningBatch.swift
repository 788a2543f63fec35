import OTPCore
import TokenDrivers
import USBTransport

/// A provisioning batch: takes each token that arrives, journals a sealed seed before writing it, programs the slot,
/// reads it back (and checks the first code), and commits the journal entry; reports each step as an event.
///
/// A crash or an unplug at any moment leaves the journal saying which tokens are done, failed or uncertain (see
/// `SeedJournal`); running a batch on the same journal again skips committed tokens unless `reprogram`. Synchronous:
/// token I/O blocks (libusb), so run it on a thread of its own, never on an async task or an event loop.
public final class ProvisioningBatch {
    public let journal: SeedJournal
    public let arrivals: any TokenArrivalSource
    public let settings: ProvisioningSettings
    public let secrets: SecretSupply
    /// Checked between tokens: when it returns true the batch ends after the token in hand (Ctrl-C).
    private let stopRequested: () -> Bool
    /// The outcomes so far; read it from the event closure for a status line.
    public private(set) var tally = ProvisioningTally()
    /// Addresses handled in this run: a token is taken once per run.
    private var seen: Set<String> = []
    private let askedPIN: AskedPIN?

    public init(journal: SeedJournal, arrivals: any TokenArrivalSource, settings: ProvisioningSettings = ProvisioningSettings(),
                secrets: SecretSupply = .random(), stopRequested: @escaping () -> Bool = { false }) {
        self.journal = journal
        self.arrivals = arrivals
        self.settings = settings
        self.secrets = secrets
        self.stopRequested = stopRequested
        askedPIN = settings.askPIN.map(AskedPIN.init)
    }

    /// Runs until `count` tokens are done, the tokens present are handled and `wait` has passed, a stop is requested,
    /// or a token refuses the PIN. Listing tokens can fail (a USB/IP server gone): that ends the run with the error,
    /// and the journal stands for every token handled before.
    public func run(_ report: (ProvisioningEvent) -> Void = { _ in }) throws(TransportError) -> ProvisioningEnd {
        let deadline = ContinuousClock.now + settings.wait
        var end: ProvisioningEnd?
        func settled() -> ProvisioningEnd? {
            if end == nil, stopRequested() { end = .stopRequested }
            if let end { return end }
            if let count = settings.count, tally.done >= count { return .countReached }
            return nil
        }
        while true {
            for candidate in try arrivals.presentTokens() where !candidate.busy && !seen.contains(candidate.address) {
                if let settled = settled() { return settled }
                seen.insert(candidate.address)
                if let family = settings.family, candidate.family != family {
                    tally.otherFamily += 1
                    report(.finished(ProvisionedToken(candidate: candidate, serial: candidate.serial ?? "?", slot: nil,
                                                      outcome: .skipped, reason: .otherFamily(asked: family))))
                    continue
                }
                report(.programming(candidate))
                let token = provision(candidate)
                tally.count(token.outcome)
                report(.finished(token))
                if token.reason?.isRefusedPIN == true { end = .refusedPIN(serial: token.serial) }
            }
            if let settled = settled() { return settled }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return .noMoreTokens }
            report(.waiting)
            arrivals.waitForArrival(timeout: min(.seconds(1), remaining))
        }
    }

    /// One token: journal the intent, program, read back, commit; or say what stands.
    private func provision(_ candidate: TokenCandidate) -> ProvisionedToken {
        var serial = candidate.serial ?? "?"
        var slot = settings.slot ?? (candidate.family == .yubiKey ? 1 : 0)
        func outcome(_ outcome: ProvisioningOutcome, _ reason: ProvisioningReason? = nil) -> ProvisionedToken {
            ProvisionedToken(candidate: candidate, serial: serial, slot: slot, outcome: outcome, reason: reason)
        }
        let token: ConnectedToken
        do { token = try arrivals.open(candidate) } catch { return outcome(.failed, .unopened(error)) }
        let programmer = token.slotProgrammer
        serial = programmer.serial
        slot = settings.slot ?? programmer.defaultSlot
        if !settings.reprogram && journal.isCommitted(serial: serial, slot: slot) { return outcome(.skipped, .committedAlready) }
        // A generated code moves the counter on: the seed records the counter after it.
        let checksCode = settings.checkFirstCode && programmer.canCheckFirstCode
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
        do {
            _ = try programmer.program(request)
        } catch {
            // Lost mid-way: no outcome is written, so the record stays uncertain with its seed kept.
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
