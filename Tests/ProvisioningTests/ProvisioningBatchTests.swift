import EmulatorServer
import Foundation
import MasterKeys
import OTPCore
import Provisioning
import Synchronization
import Testing
import TokenDrivers
import TokenEmulator
import USBTransport
import Verification

/// The batch loop in process, against emulated tokens of every family over an in-process USB/IP server.
@Suite struct ProvisioningBatchTests {
    let keyring = MasterKeyring(current: MasterKey.generate())

    func journal() throws -> (SeedJournal, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-batch-\(UUID().uuidString).journal").path
        return (try SeedJournal(path: path, keyring: keyring), path)
    }

    func openHOTPTokens(_ count: Int, firstSerial: UInt32 = 100, pin: String? = nil) -> [OpenHOTPToken] {
        (0..<count).map { index in
            var state = OpenHOTPTokenState(serial: firstSerial + UInt32(index))
            state.pin = pin.map { OpenHOTPTokenState.PINHash(pin: Array($0.utf8)) }
            return OpenHOTPToken(state: state)
        }
    }

    /// Runs the batch to its end, collecting its events.
    static func run(_ batch: ProvisioningBatch) async throws -> (end: ProvisioningEnd, events: [ProvisioningEvent]) {
        async let end = batch.run()
        var events: [ProvisioningEvent] = []
        for await progress in batch.events { events.append(progress.event) }
        return (try await end, events)
    }

    /// The tokens finished, in order.
    static func finished(_ events: [ProvisioningEvent]) -> [ProvisionedToken] {
        events.compactMap { if case .finished(let token) = $0 { token } else { nil } }
    }

    /// The events as short words, for comparing orders: `programming 1-1`, `done 1-1`, `waiting`.
    static func word(_ event: ProvisioningEvent) -> String {
        switch event {
        case .programming(let candidate): "programming \(candidate.address.split(separator: "/").last ?? "")"
        case .finished(let token): "\(token.outcome.rawValue) \(token.address.split(separator: "/").last ?? "")"
        case .waiting: "waiting"
        }
    }

    @Test func everyFamilyIsProgrammedReadBackCommittedAndReportedInOrder() async throws {
        let (journal, path) = try journal()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let openHOTP = openHOTPTokens(1)[0]
        let yubiKey = try YubiKeyToken(serial: 7_000_001), nitrokey = try NitrokeyToken(serial: 8_000_001)
        let arrivals = try await EmulatedArrivals.start(devices: [openHOTP.usbDevice, yubiKey.usbDevice, nitrokey.usbDevice])
        var settings = ProvisioningSettings()
        settings.pin = "12345678"  // the emulated Nitrokey's factory admin PIN
        let batch = ProvisioningBatch(journal: journal, arrivals: arrivals, settings: settings)
        let (end, run) = try await Self.run(batch)
        let events = run.map(Self.word)
        #expect(end == .noMoreTokens)
        #expect(events == ["programming 1-1", "done 1-1", "programming 1-2", "done 1-2", "programming 1-3", "done 1-3"])
        #expect(await batch.tally.done == 3 && arrivals.waits == 0)
        let seeds = journal.committedSeeds().seeds
        #expect(seeds.map(\.serial) == ["00000100", "7000001", "8000001"])
        #expect(seeds.map(\.slot) == [0, 1, 0], "each family's default slot")
        #expect(Set(seeds.map(\.secret)).count == 3, "every token got a secret of its own")
        // The OpenHOTP token generated its first code during the batch: the seed records the next counter, and the
        // token's next code is the seed's code at that counter.
        #expect(seeds[0].counter == 1 && seeds[1].counter == 0)
        guard case .openHOTP(let token) = try ConnectedToken.open(arrivals.address("1-1")) else { Issue.record("not OpenHOTP"); return }
        let next = try token.driver.generate(0)
        let expected = try HOTP(secret: seeds[0].secret).code(counter: 1)
        #expect(next.counter == 1 && next.code == expected)
    }

    @Test func aTokenLostMidWriteStaysUncertainWithItsSeedKeptAndTheOthersGoOn() async throws {
        let (journal, path) = try journal()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tokens = openHOTPTokens(2)
        let arrivals = try await EmulatedArrivals.start(devices: tokens.map(\.usbDevice),
                                            faults: USBIPFaultPlan(dropAfterFeatureTransfers: 5, onlyBusID: "1-1"))
        let batch = ProvisioningBatch(journal: journal, arrivals: arrivals)
        let finished = Self.finished(try await Self.run(batch).events)
        #expect(finished.map(\.outcome) == [.uncertain, .done])
        #expect(finished[0].reason?.description.contains("the seed is kept in the journal") == true)
        #expect(journal.records.map(\.state) == [.uncertain, .committed])
        let kept = try journal.seed(journal.records[0].id)
        #expect(kept.serial == "00000100", "the uncertain token's seed opens: it is not lost")
        #expect(journal.committedSeeds().seeds.map(\.serial) == ["00000101"])
    }

    @Test func aRefusedPINStopsTheBatchBeforeAnotherTokenLosesATry() async throws {
        let (journal, path) = try journal()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tokens = openHOTPTokens(2, pin: "246810")
        let arrivals = try await EmulatedArrivals.start(devices: tokens.map(\.usbDevice))
        var settings = ProvisioningSettings()
        settings.pin = "111111"
        let batch = ProvisioningBatch(journal: journal, arrivals: arrivals, settings: settings)
        let (end, run) = try await Self.run(batch)
        let events = run.map(Self.word)
        #expect(end == .refusedPIN(serial: "00000100"))
        #expect(events == ["programming 1-1", "failed 1-1"], "the second token was never touched")
        #expect(tokens[0].state.pinRetries == OpenHOTPTokenState.maxPINRetries - 1)
        #expect(tokens[1].state.pinRetries == OpenHOTPTokenState.maxPINRetries)
        #expect(journal.records.map(\.state) == [.failed])
    }

    @Test func eachKindOfPINIsAskedOnceForTheWholeBatch() async throws {
        let (journal, path) = try journal()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try NitrokeyToken(serial: 8_000_001), second = try NitrokeyToken(serial: 8_000_002)
        let protected = openHOTPTokens(2, pin: "246810")
        let arrivals = try await EmulatedArrivals.start(devices: [first.usbDevice, protected[0].usbDevice, second.usbDevice, protected[1].usbDevice])
        let asked = Mutex<[String]>([])
        var settings = ProvisioningSettings()
        settings.askPIN = { what in
            asked.withLock { $0.append(what) }
            // As typed at a prompt: the emulated Nitrokey's factory admin PIN, the OpenHOTP tokens' own.
            return what == "Nitrokey admin" ? "12345678" : "246810"
        }
        let batch = ProvisioningBatch(journal: journal, arrivals: arrivals, settings: settings)
        #expect(try await Self.run(batch).end == .noMoreTokens)
        #expect(await batch.tally.done == 4)
        #expect(asked.withLock { $0 } == ["Nitrokey admin", "OpenHOTP admin"], "each kind of PIN is typed once, and a Nitrokey's is never given to an OpenHOTP token")
        #expect(protected.allSatisfy { $0.state.pinRetries == OpenHOTPTokenState.maxPINRetries }, "no try was spent")
    }

    @Test func settingsNeverShowThePINOrAnAccessCode() {
        var settings = ProvisioningSettings()
        settings.pin = "97531864"
        settings.yubiKey.accessCode = [0xA7, 0xB3, 0xC9, 0xD1, 0xE5, 0xF7]
        var dumped = ""
        dump(settings, to: &dumped)
        for text in [String(describing: settings), String(reflecting: settings), dumped] {
            #expect(!text.contains("97531864") && !text.contains("167") && !text.lowercased().contains("a7"), "\(text)")
        }
        #expect(String(describing: settings).contains("PIN: given"))
    }

    @Test func suppliedSecretsAreUsedOnceEachAndAUsedOneIsPassedOver() async throws {
        let (journal, path) = try journal()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = Secret.random(byteCount: 20), second = Secret.random(byteCount: 20), third = Secret.random(byteCount: 20)
        let arrivals = try await EmulatedArrivals.start(devices: openHOTPTokens(3).map(\.usbDevice))
        let batch = ProvisioningBatch(journal: journal, arrivals: arrivals, secrets: SecretSupply([first, second]))
        let finished = Self.finished(try await Self.run(batch).events)
        #expect(finished.map(\.outcome) == [.done, .done, .failed])
        if case .secretsUsedUp? = finished[2].reason {} else { Issue.record("\(String(describing: finished[2].reason))") }
        #expect(journal.committedSeeds().seeds.map(\.secret) == [first, second])
        // Again on the same journal: `first` was used, so the one token left takes `third`.
        let again = ProvisioningBatch(journal: journal, arrivals: arrivals, secrets: SecretSupply([first, third]))
        let outcomes = Self.finished(try await Self.run(again).events).map(\.outcome)
        #expect(outcomes == [.skipped, .skipped, .done], "committed tokens are skipped, the failed one is programmed")
        #expect(journal.committedSeeds().seeds.map(\.secret) == [first, second, third])
    }

    @Test func aStopRequestFinishesTheTokenInHandAndEnds() async throws {
        let (journal, path) = try journal()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let arrivals = try await EmulatedArrivals.start(devices: openHOTPTokens(3).map(\.usbDevice))
        let batch = ProvisioningBatch(journal: journal, arrivals: arrivals)
        arrivals.onOpening { _ in batch.requestStop() }  // Ctrl-C while the first token is in hand
        let (end, run) = try await Self.run(batch)
        let events = run.map(Self.word)
        #expect(end == .stopRequested)
        #expect(events == ["programming 1-1", "done 1-1"])
        #expect(journal.records.map(\.state) == [.committed])
    }

    @Test func arrivalsAreWaitedForUntilTheCountIsReached() async throws {
        let (journal, path) = try journal()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let arrivals = try await EmulatedArrivals.start(devices: openHOTPTokens(2).map(\.usbDevice))
        arrivals.server.setPlugged("1-2", false)
        let server = arrivals.server
        arrivals.onArrivalWait { server.setPlugged("1-2", true) }
        var settings = ProvisioningSettings()
        settings.count = 2
        settings.wait = .seconds(3600)  // never reached: the arrival comes when the batch waits
        let batch = ProvisioningBatch(journal: journal, arrivals: arrivals, settings: settings)
        let (end, run) = try await Self.run(batch)
        let events = run.map(Self.word)
        #expect(end == .countReached)
        #expect(events == ["programming 1-1", "done 1-1", "waiting", "programming 1-2", "done 1-2"])
    }

    @Test func otherFamiliesAreLeftAloneAndCountedApart() async throws {
        let (journal, path) = try journal()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let yubiKey = try YubiKeyToken(serial: 7_000_002)
        let arrivals = try await EmulatedArrivals.start(devices: openHOTPTokens(1).map(\.usbDevice) + [yubiKey.usbDevice])
        var settings = ProvisioningSettings()
        settings.family = .yubiKey
        let batch = ProvisioningBatch(journal: journal, arrivals: arrivals, settings: settings)
        let finished = Self.finished(try await Self.run(batch).events)
        #expect(finished.map(\.outcome) == [.skipped, .done])
        if case .otherFamily(asked: .yubiKey)? = finished[0].reason {} else { Issue.record("\(String(describing: finished[0].reason))") }
        let tally = await batch.tally
        #expect(tally.otherFamily == 1 && tally.skipped == 0 && tally.done == 1)
        #expect(journal.records.map(\.serial) == ["7000002"], "the OpenHOTP token was never journaled")
    }

    /// A batch for two tokens with one present and an hour's wait for the second, which never comes.
    func batchWaitingForASecondToken(_ journal: SeedJournal) async throws -> (ProvisioningBatch, EmulatedArrivals) {
        let arrivals = try await EmulatedArrivals.start(devices: openHOTPTokens(1).map(\.usbDevice))
        var settings = ProvisioningSettings()
        settings.count = 2
        settings.wait = .seconds(3600)
        return (ProvisioningBatch(journal: journal, arrivals: arrivals, settings: settings), arrivals)
    }

    /// A second Ctrl-C: cancelling the batch's task ends its wait for arrivals at once, and `events` ends with it.
    @Test func cancellingTheBatchEndsItsWaitForArrivals() async throws {
        let (journal, path) = try journal()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (batch, _) = try await batchWaitingForASecondToken(journal)
        let running = Task { try await batch.run() }
        var events: [String] = []
        for await progress in batch.events {
            events.append(Self.word(progress.event))
            if case .waiting = progress.event { running.cancel() }
        }
        #expect(try await running.value == .stopRequested)
        #expect(events == ["programming 1-1", "done 1-1", "waiting"])
        #expect(journal.records.map(\.state) == [.committed])
    }

    /// A first Ctrl-C while the batch waits for arrivals ends it at the source's next signal.
    @Test func aStopRequestEndsAWaitForArrivals() async throws {
        let (journal, path) = try journal()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (batch, arrivals) = try await batchWaitingForASecondToken(journal)
        arrivals.onArrivalWait { batch.requestStop() }
        let (end, run) = try await Self.run(batch)
        #expect(end == .stopRequested)
        #expect(run.map(Self.word) == ["programming 1-1", "done 1-1", "waiting"])
    }
}
