import ArgumentParser
import Foundation
import MasterKeys
import OTPCore
import PrivateFiles
import Provisioning
import SeedFormats
import TokenDrivers
import USBTransport
import Verification
import VerifierStorage

struct ProvisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Program a batch of tokens with fresh secrets, journaling every seed before it is written.",
        discussion: """
        Each token present (on a USB/IP server with --usbip, else on this machine's USB; --wait keeps looking for \
        arrivals) that the journal has not committed gets a fresh random secret. Its sealed seed is appended to the \
        journal and synced first; the token is programmed and read back (an OpenHOTP token also generates its first \
        code, which must match the seed's; --no-check-code skips that); then the journal marks it committed. A token that refuses is marked failed. \
        A token lost in the middle (unplugged, connection dropped) stays uncertain: its seed is kept, and the next run \
        programs it again with a new secret. Committed tokens are skipped unless --reprogram.

        On a terminal a status line shows done, failed, remaining, the rate and the token in hand. Ctrl-C (or \
        SIGTERM) finishes the token in hand, writes --out and --push for what is done, and exits with 130 (143); \
        a second one stops at once, even in the middle of a wait for the token (which then stays uncertain, its \
        seed kept); --resume goes on. A refused PIN stops the batch, since every further token would lose a try too. A folder \
        for --out or --audit-log, or a --push URL, that cannot be used is refused before any token is touched; \
        --count 0 with --resume only writes --out and --push from the journal.

        --out writes the committed seeds for the verification server: encrypted PSKC (--password-file or --psk), \
        or --format csv/json. The journal's key lives in JOURNAL.key (mode 0600), never in the journal.

        --push imports the committed seeds into a running otpkit verifier, one request per token: https, or http to \
        this machine only; the key (OTPKIT_VERIFIER_KEY) is tried before any token is touched. A seed the verifier \
        has already is left as it is ("already there"); a token it holds with another seed (reprogrammed) is a \
        failure, since the verifier keeps that seed. A verifier that cannot be reached exits with 2, one that refuses \
        a seed with 1 (shown by HTTP status and error code only: a server's message could echo the seed), an answer \
        that is not the verifier's (a 201 not naming the token imported) with 3; the seeds stay in the journal.
        """)

    @Option(name: .long, help: ArgumentHelp("A USB/IP server whose tokens to provision.", valueName: "host:port"))
    var usbip: String?

    @Option(name: .long, help: "Stop after this many tokens were provisioned.")
    var count: Int?

    @Option(name: [.long, .customLong("resume")], help: ArgumentHelp(
        "The seed journal (created when missing); give an existing one to resume a batch (--resume is the same).", valueName: "path"))
    var journal = "otpkit-provisioning.journal"

    @Option(name: .long, help: ArgumentHelp("The journal's master key file (default: JOURNAL.key), created for a new journal only: a missing key for a journal that holds entries is refused (exit 5).", valueName: "path"))
    var keyFile: String?

    @Option(name: .long, help: "Slot: OpenHOTP and Nitrokey from 0 (default 0), YubiKey 1 or 2 (default 1).")
    var slot: Int?

    @Option(name: .long, help: "Code length (6 or 8 for YubiKeys and Nitrokeys).")
    var digits = 6

    @Option(name: .long, help: "Initial counter (a multiple of 16 for YubiKeys).")
    var counter: UInt64 = 0

    @Option(name: .long, help: ArgumentHelp("A file with the tokens' admin PIN (Nitrokey, OpenHOTP with a PIN); or OTPKIT_PIN; else asked once on a terminal.", valueName: "path"))
    var pinFile: String?

    @Flag(name: .long, help: "Program tokens the journal has committed already.")
    var reprogram = false

    @Flag(name: .long, inversion: .prefixedNo, help: ArgumentHelp(
        "OpenHOTP: after the read-back, have the token generate one code (no touch needed) and compare it with the seed's; the seed then records the next counter."))
    var checkCode = true

    @Option(name: .long, help: ArgumentHelp("Write the committed seeds here (mode 0600).", valueName: "path"))
    var out: String?

    @Option(name: .long, help: "Format of --out.")
    var format: SeedExportFormat = .pskc

    @OptionGroup var credentialOptions: SeedFileCredentialOptions

    @Flag(name: .long, help: "Print one JSON object per token (and a summary) instead of text.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Take the secrets from this seed file (PSKC, CSV or JSON; --password-file/--psk open an encrypted one) instead of generating them; each is used once.", valueName: "path"))
    var secrets: String?

    @Option(name: .long, help: "Only tokens of this family (any case).")
    var family: TokenFamily?

    @Option(name: .long, help: ArgumentHelp("Keep waiting this many seconds for more tokens to arrive until --count is reached.", valueName: "seconds"))
    var wait = Seconds(0)

    @Option(name: .long, help: ArgumentHelp("Import the seeds of this run into a running otpkit verifier (its base URL); the admin key comes from OTPKIT_VERIFIER_KEY.", valueName: "url"))
    var push: String?

    @Option(name: .long, help: ArgumentHelp("Append one line per token (time, user, serial, slot, outcome; never a secret) to this file.", valueName: "path"))
    var auditLog: String?

    func validate() throws {
        try PINOptions.check(pinFile: pinFile)
        if push != nil && nonEmptyEnvironment("OTPKIT_VERIFIER_KEY") == nil {
            throw ValidationError("--push needs the verifier's admin API key in OTPKIT_VERIFIER_KEY")
        }
    }

    /// One token's line: text, or a JSON object with --json.
    struct Event: Encodable {
        let token: String
        let serial: String
        let family: String
        let outcome: String
        let detail: String?
        var slot: Int?

        enum CodingKeys: String, CodingKey { case token, serial, family, slot, outcome, detail }
    }

    /// The closing line with --json: the text summary, and its counts for scripts.
    struct Summary: Encodable {
        let summary: String
        let done, skipped, failed, uncertain, otherFamily: Int
        let journal: Journal

        /// What the journal holds after the run, earlier runs included.
        struct Journal: Encodable {
            let path: String
            let committed, uncertain: Int

            init(_ seeds: SeedJournal) {
                path = seeds.path
                committed = seeds.records.filter { $0.state == .committed }.count
                uncertain = seeds.records.filter { $0.state == .uncertain }.count
            }
        }

        init(_ summary: String, tally: ProvisioningTally, journal seeds: SeedJournal) {
            self.summary = summary
            (done, skipped, failed, uncertain, otherFamily) = (tally.done, tally.skipped, tally.failed, tally.uncertain, tally.otherFamily)
            journal = Journal(seeds)
        }
    }

    func run() async throws {
        try await reportingFailures {
            // A bad export setting or a folder that takes no file fails now, before any token is programmed.
            if out != nil { try SeedExport.check(format, credentials: try credentialOptions.credentials()) }
            if let out {
                do { try PrivateFile.checkWritable(out) } catch { throw CLIFailure("\(error); nothing was programmed", code: .usage) }
            }
            let verifier = try await pushClient()
            let auditHandle: FileHandle?
            do { auditHandle = try auditLog.map { path throws(PrivateFile.WriteError) in try PrivateFile.openAppending(path) } } catch { throw CLIFailure("\(error); nothing was programmed", code: .usage) }
            // The PIN file is read before the journal is touched: a refused one leaves nothing behind.
            let settings = try settings()
            let seeds = try openJournal()
            let servers = try usbip.map { [try DeviceAddress(parsing: $0.hasPrefix("usbip://") ? $0 : "usbip://\($0)")] } ?? []
            let supply = try secrets.map { path -> SecretSupply in
                guard let data = FileManager.default.contents(atPath: path) else { throw CLIFailure("cannot read \(path)", code: .usage) }
                return SecretSupply(try SeedFile.read(Array(data), credentials: try credentialOptions.credentials()).map(\.secret))
            } ?? .random()
            let stop = StopRequest()
            // Local USB tokens announce themselves through libudev; a USB/IP server's list is polled.
            let arrivals = USBTokenArrivals(servers: servers, watchHotplug: wait.value > 0, notice: { writeError("otpkit: \($0)\n") })
            let batch = ProvisioningBatch(journal: seeds, arrivals: arrivals, settings: settings, secrets: supply)
            let running = Task { try await batch.run() }
            // A first Ctrl-C ends the batch after the token in hand; a second cancels it, even in a wait for the token.
            stop.onSignal { count in count == 1 ? batch.requestStop() : running.cancel() }
            // Output that cannot be written (a closed pipe, a full disk) ends the batch after the token in hand, as
            // Ctrl-C does: nobody would see what the next tokens get. The journal, --out and --push still happen.
            var printFailure: Error?
            var progress = ProgressLine(enabled: !json && isatty(STDOUT_FILENO) == 1)
            let started = Date()
            for await update in batch.events {
                switch update.event {
                case .programming(let candidate):
                    progress.show(status(update.tally, since: started, current: candidate.serial ?? candidate.address))
                case .waiting:
                    progress.show(status(update.tally, since: started, current: nil))
                case .finished(let token):
                    let line = Event(token: token.address, serial: token.serial, family: token.family.rawValue,
                                     outcome: token.outcome.rawValue, detail: detail(token.reason), slot: token.slot)
                    if case .otherFamily? = token.reason {} else { audit(line, to: auditHandle) }
                    do {
                        if json { try emitOrThrow(jsonLine(line)) } else { try progress.print(describe(line, tally: update.tally, since: started)) }
                    } catch {
                        printFailure = printFailure ?? error
                        batch.requestStop()
                    }
                }
            }
            let end = try await running.value
            let stopReason: String? = switch end {
            case .countReached, .noMoreTokens: nil
            case .stopRequested: stop.received == SIGTERM ? "terminated" : "interrupted"
            case .refusedPIN(let serial):
                "stopped: \(serial) refused the PIN, and every further token would lose a try too; "
                    + "correct --pin-file or OTPKIT_PIN and run again with `\(resumeCommand(resuming: true))`"
            }
            let tally = await batch.tally
            progress.clear()
            try seeds.sync()
            // A seed that does not open costs only itself: the others are exported, it is named, and the exit is not 0.
            let committed = seeds.committedSeeds()
            for problem in committed.problems { try? FileHandle.standardError.write(contentsOf: Data("otpkit: not exported: \(problem)\n".utf8)) }
            if let out, !committed.seeds.isEmpty || committed.isComplete {
                do { try export(committed.seeds, to: out) } catch {
                    let later = count == 0 ? "free the space or choose another --out, and run this command again"
                        : "write them later with `\(resumeCommand("--out", "FILE"))`"
                    throw CLIFailure("\(CLIFailure(error).message); the seeds stay in the journal: \(later)", code: .refused)
                }
            }
            if let verifier { try await pushSeeds(committed.seeds, to: verifier, stop: stop) }
            if let printFailure { throw printFailure }
            let summary = summarize(tally, journal: seeds, since: started)
            if json { try printJSONLine(Summary(summary, tally: tally, journal: seeds)) } else { print(summary) }
            if let stopReason {
                if json { try printJSONLine(["stopped": stopReason]) } else { print(stopReason) }
                if let signal = stop.received {
                    if !json { print("every token handled so far is recorded; run again with `\(resumeCommand(resuming: true))` to go on") }
                    throw ExitCode(128 + signal)
                }
            }
            if !committed.isComplete {
                throw CLIFailure("\(committed.problems.count) committed seed\(committed.problems.count == 1 ? "" : "s") of \(journal) did not "
                                 + "open (named above) and were left out of --out and --push, which have every other seed: the "
                                 + "journal key is not the one that sealed them, or the journal is damaged", code: .refused)
            }
            if tally.failed + tally.uncertain > 0 { throw ExitCode(CLIFailure.Code.refused.rawValue) }
        }
    }

    /// The journal and its key; a key is created only for a new, empty journal (one that holds anything was sealed
    /// under its key). What opening did (a key created, a torn line cut off) is said on stderr.
    private func openJournal() throws -> SeedJournal {
        let journalIsEmpty = ((try? FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int) ?? 0) == 0
        let keys = try MasterKeyFile.load(path: keyFile ?? journal + ".key", creating: journalIsEmpty ? .allowed : .refused)
        if let created = keys.createdPath {
            writeError("otpkit: created the journal key \(created) (mode 0600); back it up apart from the journal\n")
        }
        let seeds = try SeedJournal(path: journal, keyring: keys.keyring)
        for note in seeds.openingNotes { writeError("otpkit: journal \(journal): \(note)\n") }
        return seeds
    }

    /// What each token gets, from the options; the PIN from --pin-file or OTPKIT_PIN, a YubiKey access code from
    /// OTPKIT_ACCESS_CODE.
    private func settings() throws -> ProvisioningSettings {
        var settings = ProvisioningSettings()
        settings.slot = slot
        settings.digits = digits
        settings.counter = counter
        settings.pin = try PINOptions.resolve(pin: nil, pinFile: pinFile)
        settings.askPIN = { what in PINOptions.prompt(for: what) }
        settings.yubiKey.accessCode = try nonEmptyEnvironment("OTPKIT_ACCESS_CODE").map { try AccessCodeOptions.parse($0, option: "OTPKIT_ACCESS_CODE") }
        settings.reprogram = reprogram
        settings.checkFirstCode = checkCode
        settings.family = family
        settings.count = count
        settings.wait = wait.duration
        return settings
    }

    /// The event line's detail, in the words of this command's options.
    private func detail(_ reason: ProvisioningReason?) -> String? {
        switch reason {
        case nil: nil
        case .otherFamily(let asked)?: "not of --family \(asked.rawValue.lowercased())"
        case .secretsUsedUp?: "the --secrets file has no unused secret left"
        case .programming(.pinRequired(let message))?: "\(message): give it with --pin-file or OTPKIT_PIN"
        case let reason?: reason.description
        }
    }

    /// The closing line: what happened to the tokens of this run, what the journal holds, and the journal's cost.
    private func summarize(_ tally: ProvisioningTally, journal seeds: SeedJournal, since start: Date) -> String {
        let elapsed = max(Date().timeIntervalSince(start), 0.001)
        let held = Summary.Journal(seeds)
        return "done \(tally.done), skipped \(tally.skipped), failed \(tally.failed), uncertain \(tally.uncertain)"
            + (tally.otherFamily > 0 ? ", \(tally.otherFamily) of other families left alone" : "")
            + String(format: " in %.1f s; ", elapsed)
            + "journal \(journal): \(held.committed) committed, \(held.uncertain) uncertain; "
            + String(format: "journal syncs took %.0f%% of the run", seeds.durabilityTime.seconds / elapsed * 100)
    }

    /// The live line: how far the batch is, how fast, and which token is in hand.
    private func status(_ tally: ProvisioningTally, since start: Date, current: String?) -> String {
        let rate = Double(tally.done) / max(Date().timeIntervalSince(start), 0.001)
        var line = "done \(tally.done), failed \(tally.failed + tally.uncertain)"
        if let count { line += ", remaining \(max(count - tally.done, 0))" }
        line += String(format: ", %.1f tokens/s; ", rate)
        return line + (current.map { "programming \($0)" } ?? "waiting for the next token (Ctrl-C ends the batch)")
    }

    /// Audit lines: who ran it, when, which token, what happened. Never a secret.
    private func audit(_ event: Event, to log: FileHandle?) {
        guard let log else { return }
        let who = nonEmptyEnvironment("SUDO_USER") ?? nonEmptyEnvironment("USER") ?? String(getuid())
        let line = "\(ISO8601DateFormatter().string(from: Date())) provision user=\(who) family=\(event.family) serial=\(event.serial) "
            + "slot=\(event.slot.map(String.init) ?? "-") token=\(event.token) outcome=\(event.outcome)\n"
        // A full disk costs the audit line (said on stderr), never the batch or the token in hand.
        do { try log.write(contentsOf: Data(line.utf8)) } catch {
            writeError("otpkit: cannot write the audit log (\(error.localizedDescription)); token \(event.token) \(event.outcome)\n")
        }
    }

    /// The --push client, checked before anything is programmed: the URL, then the key, with one request.
    private func pushClient() async throws -> VerifierImportClient? {
        guard let push, let key = nonEmptyEnvironment("OTPKIT_VERIFIER_KEY") else { return nil }
        let verifier: VerifierImportClient
        do { verifier = try VerifierImportClient(baseURL: push, adminKey: key) } catch {
            throw CLIFailure("--push: \(error); nothing was programmed", code: .usage)
        }
        let refusal: VerifierImportClient.Outcome?
        do { refusal = try await verifier.checkAccess() } catch {
            let advice = switch error {
            case .unusableAnswer: "is \(verifier.baseURL) an otpkit verifier?"
            case _ where count == 0: "start the verifier and run this again"
            default: "start the verifier, or leave --push out and push the seeds later with `\(resumeCommand("--push", verifier.baseURL))`"
            }
            throw CLIFailure("--push: \(error); nothing was programmed (\(advice))", code: CLIFailure(error).code)
        }
        guard let refusal else { return verifier }
        if case .refused(let status, _) = refusal, status == 401 || status == 403 {
            throw CLIFailure("--push: the verifier \(refusal) for OTPKIT_VERIFIER_KEY (an admin key is needed); nothing was programmed",
                             code: .refused)
        }
        throw CLIFailure("--push: \(verifier.baseURL) answered the access check with \(refusal), not as an otpkit verifier; "
                         + "nothing was programmed", code: .protocolError)
    }

    /// Imports the journal's committed seeds into a running verifier, each with its own answer; a token the verifier
    /// has already is left as it is (re-sending a batch duplicates and resets nothing). A token whose seed on the
    /// verifier is another one (it was reprogrammed) is a failure: its codes would fail there. Ctrl-C stops between
    /// seeds.
    private func pushSeeds(_ seeds: [SeedRecord], to verifier: VerifierImportClient, stop: StopRequest) async throws {
        let later = "the seeds stay in the journal: push them later with `\(resumeCommand("--push", verifier.baseURL))`"
        var failures: [String] = []
        // A Ctrl-C that ended the batch still lets its seeds be pushed; one during the push stops it between seeds.
        let signalsBefore = stop.count
        for (index, seed) in seeds.enumerated() {
            if stop.count > signalsBefore, let signal = stop.received {
                writeError("otpkit: stopped before pushing \(seeds.count - index) of \(counted(seeds.count, "seed")); \(later)\n")
                throw ExitCode(128 + signal)
            }
            let answer: VerifierImportClient.Outcome
            do { answer = try await verifier.send(seed) } catch {
                throw CLIFailure("\(error); \(later)", code: CLIFailure(error).code)
            }
            if !answer.isImported { failures.append(seed.tokenID) }
            if json {
                var line = ["push": seed.tokenID, "outcome": answer.word]
                if case .refused(let status, let code) = answer {
                    line["status"] = String(status)
                    line["code"] = code
                }
                try printJSONLine(line)
            } else if answer == .otherSeedThere {
                emit("push     \(seed.tokenID): \(answer): its codes would fail; delete it there "
                     + "(`otpkit verifier delete --token \(shellQuoted(seed.tokenID))`) and push again")
            } else {
                emit("push     \(seed.tokenID): \(answer)")
            }
        }
        if !failures.isEmpty {
            throw CLIFailure("the verifier did not take \(failures.joined(separator: ", ")) (said above); \(later), "
                             + "or export them with --out", code: .refused)
        }
    }

    /// The command that goes on from this journal: without programming (`--count 0`) and with `extra` options, or
    /// `resuming` the batch itself.
    private func resumeCommand(_ extra: String..., resuming: Bool = false) -> String {
        (["otpkit", "provision", "--resume", journal] + (keyFile.map { ["--key-file", $0] } ?? []) + (resuming ? [] : ["--count", "0"]) + extra)
            .map(shellQuoted).joined(separator: " ")
    }

    private func describe(_ event: Event, tally: ProvisioningTally, since: Date) -> String {
        let rate = Double(tally.done) / max(Date().timeIntervalSince(since), 0.001)
        return "\(event.outcome.padding(toLength: 9, withPad: " ", startingAt: 0)) \(event.family) \(event.serial) (\(event.token))"
            + (event.detail.map { ": \($0)" } ?? "") + String(format: "  [done %d, %.1f tokens/s]", tally.done, rate)
    }

    private func export(_ seeds: [SeedRecord], to path: String) throws {
        try SeedExport.write(seeds, as: format, credentials: try credentialOptions.credentials(), to: path)
    }
}
