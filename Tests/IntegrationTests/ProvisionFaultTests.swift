import Foundation
import OTPCore
import TestSupport
import Testing

/// `otpkit provision` when something goes wrong in the middle of a batch: each fault is reported, the batch goes on
/// where that makes sense, and the journal stays right.
@Suite(.serialized) struct ProvisionFaultTests {
    @Test func oneTokenPulledMidWriteLeavesTheOthersDone() throws {
        let folder = try ProvisionTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("j").path
        // The second token's connection drops at its sixth feature-report transfer: in the middle of the write.
        let emulator = try EmulatorProcessFixture(tokens: 3, firstSerial: 1100, extraArguments: ["--drop-after", "5", "--drop-device", "1-2"])
        let run = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--json"])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        let batch = try ProvisionOutput(run)
        #expect(batch.outcomes == ["done", "uncertain", "done"] && batch.events.map(\.serial) == ["00001100", "00001101", "00001102"],
                "\(run.stdout)")
        #expect(batch.tally == .init(done: 2, uncertain: 1) && batch.journal == .init(committed: 2, uncertain: 1), "\(run.stdout)")
        let again = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--json"])
        let redone = try ProvisionOutput(again)
        #expect(again.status == 0 && redone.tally == .init(done: 1, skipped: 2), "only the uncertain token is redone: \(again.stdout)")
        #expect(redone.events.first { $0.outcome == "done" }?.serial == "00001101", "\(again.stdout)")
    }

    @Test func aRefusedPINStopsTheBatchBeforeOtherTokensLoseTries() throws {
        let folder = try ProvisionTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pin = folder.appendingPathComponent("pin").path
        try "87654321\n".write(toFile: pin, atomically: true, encoding: .utf8)  // the emulated Nitrokeys' admin PIN is 12345678
        let emulator = try EmulatorProcessFixture(tokens: 2, firstSerial: 1200, extraArguments: ["--token", "nitrokey-pro", "--token", "nitrokey-pro"])
        let journal = folder.appendingPathComponent("j").path
        let run = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--pin-file", pin, "--json"])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        let stopped = try ProvisionOutput(run)
        #expect(stopped.tally == .init(failed: 1) && stopped.events.map(\.serial) == ["1200"], "the second token is not tried: \(run.stdout)")
        let reason = try #require(stopped.stopped, "\(run.stdout)")
        #expect(reason.contains("refused the PIN") && reason.contains("--resume \(journal)"), "\(run.stdout)")
        let info = try otpkit(["info", "--device", emulator.device(2), "--json"])
        #expect(try info.json(CLIOutput.NitrokeyInfo.self).adminRetries == 3, "the untouched token kept all its tries: \(info.stdout)")
        try "12345678\n".write(toFile: pin, atomically: true, encoding: .utf8)
        let fixed = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--pin-file", pin, "--json"])
        #expect(try fixed.status == 0 && ProvisionOutput(fixed).tally == .init(done: 2), "\(fixed.stdout)\(fixed.stderr)")
    }

    @Test func anOutputFolderThatTakesNoFileIsRefusedBeforeAnyTokenIsTouched() throws {
        let folder = try ProvisionTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try EmulatorProcessFixture(tokens: 1, firstSerial: 1300)
        let journal = folder.appendingPathComponent("j").path
        // /proc takes no new file, even from root (the tests may run as root, for whom file modes do not count).
        for out in ["/proc/otpkit-seeds.pskc", folder.appendingPathComponent("missing/seeds.pskc").path] {
            let run = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--out", out, "--format", "json"])
            #expect(run.status == 64 && run.stderr.contains("cannot write \(out)") && run.stderr.contains("nothing was programmed"), "\(run.stderr)")
        }
        let unencrypted = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal,
                                      "--out", folder.appendingPathComponent("seeds.pskc").path])
        #expect(unencrypted.status == 64 && unencrypted.stderr.contains("give --psk or --password-file"), "\(unencrypted.stderr)")
        #expect(!FileManager.default.fileExists(atPath: journal), "no journal, no token programmed")
        let info = try otpkit(["counter", "--device", emulator.device(1)])
        #expect(info.status != 0 && info.stderr.contains("not programmed"), "the slot is still empty: \(info.stdout)\(info.stderr)")
    }

    /// A disk that fills up at the end (here a file-size limit): the export fails clearly, leaves no partial file,
    /// and the seeds stay in the journal, from which a later run writes them.
    @Test func aFullDiskAtExportLosesNoSeed() throws {
        let folder = try ProvisionTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try EmulatorProcessFixture(tokens: 3, firstSerial: 1400)
        let journal = folder.appendingPathComponent("j").path, out = folder.appendingPathComponent("seeds.json").path
        #expect(try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal]).status == 0)
        let limited = try Subprocess.run("/bin/sh", ["-c", "ulimit -f 1; exec \"$0\" \"$@\"", ProjectPaths.otpkit.path, "provision",
                                                     "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--count", "0",
                                                     "--out", out, "--format", "json"])
        #expect(limited.status == 1, "\(limited.stdout)\(limited.stderr)")
        #expect(limited.stderr.contains("File too large") && limited.stderr.contains("the seeds stay in the journal"), "\(limited.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("seeds") }
        #expect(left.isEmpty, "no partial export and no temporary file: \(left)")
        let later = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--count", "0", "--out", out, "--format", "json"])
        #expect(later.status == 0, "\(later.stderr)")
        let seeds = try JSONDecoder().decode([SeedRecord].self, from: Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(seeds.count == 3)
    }

    /// Ctrl-C while waiting for tokens: the run ends with 130 after the token in hand, the journal holds every
    /// token handled, none uncertain, and the export and the push have them. The test plugs the tokens in itself and
    /// sends Ctrl-C once the run said it committed the second, so no timing decides which tokens are in.
    @Test func ctrlCEndsTheBatchCleanly() throws {
        let folder = try ProvisionTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try EmulatorProcessFixture(tokens: 3, firstSerial: 1500)
        try emulator.setPlugged("1-2", false)
        try emulator.setPlugged("1-3", false)
        let journal = folder.appendingPathComponent("j").path, out = folder.appendingPathComponent("seeds.json").path
        let process = Process()
        process.executableURL = ProjectPaths.otpkit
        let verifier = try VerifierServerFixture(tokens: 0)
        process.arguments = ["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--wait", "60",
                             "--out", out, "--format", "json", "--push", "http://127.0.0.1:\(verifier.port)"]
        process.environment = ProcessInfo.processInfo.environment.merging(["OTPKIT_VERIFIER_KEY": verifier.adminKey]) { $1 }
        process.standardError = FileHandle.nullDevice
        let output = try ChildOutputReader(launching: process, name: "otpkit provision")
        func waitUntilDone(_ serial: String) throws {
            try output.waitForLine("token \(serial) done") { $0.hasPrefix("done ") && $0.contains(" \(serial) ") }
        }
        try waitUntilDone("00001500")
        try emulator.setPlugged("1-2", true)  // arrives while the run waits for tokens
        try waitUntilDone("00001501")
        kill(process.processIdentifier, SIGINT)  // 1-3 stays out: the run is waiting for the next token
        let ending = try output.waitForEnd(timeout: 60)
        let text = output.output
        #expect(ending.status == 130, "\(text)")
        #expect(text.contains("interrupted") && text.contains("--resume \(journal)"), "\(text)")
        let seeds = try JSONDecoder().decode([SeedRecord].self, from: Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(seeds.count == 2, "the export has the tokens done before Ctrl-C: \(text)")
        #expect(text.components(separatedBy: ": imported").count - 1 == 2, "the push has them too: \(text)")
        #expect(text.contains("2 committed, 0 uncertain"), "\(text)")
    }

    /// On a terminal (a pseudo-terminal from `script`), a status line rewrites itself: done, remaining, rate and
    /// the token in hand; in a pipe, none of it.
    @Test func aLiveStatusLineOnATerminalOnly() throws {
        let folder = try ProvisionTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = try EmulatorProcessFixture(tokens: 2, firstSerial: 1600, extraArguments: ["--arrive-every", "0.6"])
        let command = "\(ProjectPaths.otpkit.path) provision --usbip 127.0.0.1:\(emulator.port) --journal \(folder.path)/j --count 2 --wait 20"
        let terminal = try Subprocess.run("/usr/bin/script", ["-qec", command, "/dev/null"])
        #expect(terminal.status == 0, "\(terminal.stdout)")
        #expect(terminal.stdout.contains("\r\u{1B}[Kdone 0, failed 0, remaining 2") && terminal.stdout.contains("programming 00001600"),
                "\(terminal.stdout.debugDescription)")
        #expect(terminal.stdout.contains("remaining 1") && terminal.stdout.contains("waiting for the next token"), "\(terminal.stdout.debugDescription)")
        let piped = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", folder.appendingPathComponent("k").path,
                                "--reprogram"])
        #expect(!piped.stdout.contains("\u{1B}[K") && piped.stdout.contains("done 2"), "\(piped.stdout.debugDescription)")
    }
}
