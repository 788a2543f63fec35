import ArgumentParser
import DispatchExecutors
import EmulatedTokens
import Foundation
import MasterKeys
import OTPCore
import Provisioning
import TokenDrivers
import USBTransport
import Verification
import VerifierStorage

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show otpkit end to end on two emulated tokens.",
        discussion: """
        Starts two emulated tokens in this process (the EmulatedTokens library) on a free loopback port, programs a \
        generated secret into each over USB/IP, reads the counters, presses one token's button three times and \
        checks each code against otpkit's own HOTP and oathtool's, prints the seed record a verification server would \
        receive, imports the seeds into an embedded verifier (SQLite in a temporary folder), verifies codes from \
        presses, lets the token drift 50 presses ahead, shows a plain verify fail and two consecutive codes \
        resynchronise it; provisions a batch of three more tokens through the seed journal (ProvisioningBatch, the \
        loop of `otpkit provision`), starts `otpkit verifier serve` and pushes the seeds to it over its HTTP API (as \
        `--push` does); gives one of them to user `demo` and logs in with its code over RADIUS (FreeRADIUS's \
        `radtest`); and stops everything. The secrets are throwaway ones.
        """)

    func run() async throws {
        try await reportingFailures {
            try await withEmulatedTokens(EmulatorConfiguration([.openHOTP, .openHOTP])) { emulator in
                print("1. Emulator started: two OpenHOTP tokens on \(emulator.usbipServer) (USB/IP).")
                try await tokenStory(emulator)
            }
            try await batchStory()
            print("10. Emulators and the verification server stopped; nothing left running.")
        }
    }

    /// A developer's side: two tokens programmed, pressed and cross-checked, then the verifier's story on them.
    private func tokenStory(_ emulator: RunningEmulator) async throws {
        var records: [SeedRecord] = []
        for emulated in emulator.tokens {
            let token = try await TokenSession.open(DeviceAddress(parsing: emulated.address))
            let secret = Secret.random(byteCount: 20)
            let counter = try await token.openHOTP("demo") { token in
                try token.driver.writeSlot(0, OpenHOTPSlotConfiguration(secret: secret, name: "demo"))
                return try token.driver.readCounter(0)
            }
            print("2. Programmed slot 0 of token \(token.serial) (\(emulated.address)) with a generated 20-byte secret; counter reads \(counter).")
            records.append(SeedRecord(serial: token.serial, slot: 0, family: "OpenHOTP", algorithm: .sha1, digits: 6,
                                      counter: counter, secret: secret))
        }

        let first = records[0]
        let token = try await TokenSession.open(DeviceAddress(parsing: emulator.tokens[0].address))
        let reference = try HOTP(secret: first.secret)
        print("3. Three presses of token \(first.serial)'s button:")
        print("   counter  token    otpkit   oathtool")
        for _ in 0..<3 {
            let produced = try await token.openHOTP("demo") { try $0.driver.generate(0) }
            let expected = reference.code(counter: produced.counter)
            let oathtool = try await blocking { try Oathtool.hotp(secret: first.secret, counter: produced.counter, digits: 6) }
            let verdict = produced.code == expected && expected == oathtool ? "match" : "MISMATCH"
            let counterColumn = String(produced.counter)
            print("   \(String(repeating: " ", count: max(0, 7 - counterColumn.count)))\(counterColumn)  \(produced.code)   \(expected)   \(oathtool)  \(verdict)")
            guard verdict == "match" else { throw CLIFailure("the codes disagree", code: .checkFailed) }
        }
        let counter = try await token.openHOTP("demo") { try $0.driver.readCounter(0) }
        print("   The token's counter now reads \(counter).")

        print("4. What the verification server receives for token \(first.serial) (seed record, counter as read back):")
        var handOff = first
        handOff.counter = counter
        try printJSON(handOff)

        try await verifierStory(seeds: [handOff] + records.dropFirst(), token: token)
    }

    /// IT staff's side: a batch of tokens provisioned through the seed journal, pushed to a running verifier,
    /// verified.
    private func batchStory() async throws {
        try await withEmulatedTokens(EmulatorConfiguration([.openHOTP, .openHOTP, .openHOTP])) { emulator in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-demo-batch-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            print("8. A batch: three more emulated tokens provisioned (ProvisioningBatch, the loop of `otpkit provision`);")
            print("   each seed journaled (sealed, synced) before its token is written:")
            let journal = try SeedJournal(path: folder.appendingPathComponent("batch.journal").path,
                                          keyring: MasterKeyring(current: MasterKey.generate()))
            var settings = ProvisioningSettings()
            settings.count = 3
            let arrivals = USBTokenArrivals(servers: [try DeviceAddress(parsing: "usbip://\(emulator.usbipServer)")])
            let batch = ProvisioningBatch(journal: journal, arrivals: arrivals, settings: settings)
            async let ending = batch.run()
            for await progress in batch.events {
                if case .finished(let token) = progress.event { print("   \(token.outcome) \(token.family.rawValue) \(token.serial)") }
            }
            let end = try await ending
            let seeds = journal.committedSeeds().seeds
            guard end == .countReached, seeds.count == 3 else { throw CLIFailure("the batch did not complete (\(end))", code: .checkFailed) }

            let keys = try MasterKeyFile.load(path: folder.appendingPathComponent("verifier.key").path, creating: .allowed)
            let verifier = Verifier(store: try SQLiteTokenStore(path: folder.appendingPathComponent("verifier.sqlite").path), keyring: keys.keyring)
            // radtest signs its requests with a Message-Authenticator, so its client entry requires one (the default).
            let radiusSecret = Secret.random(byteCount: 16).hex
            try await verifier.administration.addRADIUSClient(name: "radtest", address: "127.0.0.1", secret: try Secret(bytes: Array(radiusSecret.utf8)),
                                               messageAuthenticator: .required)
            let server = try await blocking {
                try OwnCommandProcess(
                    ["verifier", "serve", "--db", folder.appendingPathComponent("verifier.sqlite").path,
                     "--key-file", folder.appendingPathComponent("verifier.key").path, "--listen", "127.0.0.1:0",
                     "--radius-listen", "127.0.0.1:0", "--audit-log", folder.appendingPathComponent("audit.log").path],
                    name: "otpkit verifier serve") { lines in
                        lines.contains { $0.hasPrefix("radius listening on ") } && lines.contains { $0.hasPrefix("listening on ") }
                    }
            }
            do {
                try await serverStory(server, emulator: emulator, seeds: seeds, verifier: verifier, radiusSecret: radiusSecret)
            } catch {
                await blocking { server.stop() }
                throw error
            }
            await blocking { server.stop() }
        }
    }

    /// The batch's seeds pushed to `otpkit verifier serve`, a press of each token verified, and the RADIUS login.
    private func serverStory(_ server: OwnCommandProcess, emulator: RunningEmulator, seeds: [SeedRecord], verifier: Verifier,
                             radiusSecret: String) async throws {
        func announced(_ prefix: String) throws -> String {
            guard let line = server.lines.first(where: { $0.hasPrefix(prefix) }) else {
                throw CLIFailure("otpkit verifier serve did not say \(prefix)", code: .checkFailed)
            }
            return String(line.dropFirst(prefix.count))
        }
        // The first start creates an admin key and prints it once, as an operator sees it.
        let adminKey = try announced("created admin API key ").split(separator: " ").last.map(String.init) ?? ""
        let importer = try VerifierImportClient(baseURL: "http://\(try announced("listening on "))", adminKey: adminKey)
        for seed in seeds {
            let outcome = try await importer.send(seed)
            guard outcome == .imported else { throw CLIFailure("the verifier did not take \(seed.tokenID): \(outcome)", code: .checkFailed) }
        }
        print("   handed \(seeds.count) seeds to the verifier: `otpkit verifier serve`, over its HTTP API with the admin key it")
        print("   printed on its first start (VerifierImportClient, as `otpkit provision --push` does); one press of each token:")
        for emulated in emulator.tokens {
            let token = try await TokenSession.open(DeviceAddress(parsing: emulated.address))
            let code = try await token.openHOTP("demo") { try $0.driver.generate(0).code }
            let accepted = try await verifier.verify(tokenID: "\(token.serial)-0", code: code).accepted
            print("   token \(token.serial): \(code) -> \(accepted ? "accepted" : "REFUSED")")
            guard accepted else { throw CLIFailure("a batch token's code was refused", code: .checkFailed) }
        }
        try await radiusStory(verifier: verifier, radius: try announced("radius listening on "), secret: radiusSecret,
                              tokenAddress: emulator.tokens[0].address)
    }

    /// The login a VPN or sshd asks for: the batch's first token given to user `demo`, `otpkit verifier serve
    /// --radius-listen` on the same database, and FreeRADIUS's own `radtest` as the client.
    private func radiusStory(verifier: Verifier, radius address: String, secret: String, tokenAddress: String) async throws {
        guard let radtest = ["/usr/bin/radtest", "/usr/local/bin/radtest"].first(where: FileManager.default.isExecutableFile) else {
            throw CLIFailure("radtest is not installed (apt-get install freeradius-utils; `make demo` does it)", code: .checkFailed)
        }
        let token = try await TokenSession.open(DeviceAddress(parsing: tokenAddress))
        try await verifier.administration.assign(tokenID: "\(token.serial)-0", to: "demo")
        print("9. A RADIUS login, as a VPN or sshd (pam_radius_auth) asks for one: token \(token.serial) assigned to user demo,")
        print("   otpkit verifier serve --radius-listen \(address); FreeRADIUS's radtest as the client:")
        let code = try await token.openHOTP("demo") { try $0.driver.generate(0).code }
        for (label, wanted) in [("press", "Access-Accept"), ("the same code again", "Access-Reject")] {
            let text = try await blocking {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: radtest)
                process.arguments = ["demo", code, String(address), "0", secret]
                let output = Pipe()
                process.standardOutput = output
                process.standardError = FileHandle.nullDevice
                try process.run()
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                return text
            }
            let answer = ["Access-Accept", "Access-Reject"].first { text.contains("Received \($0)") } ?? "no answer"
            print("   \(label): radtest demo \(code) \(address) 0 SECRET -> \(answer)")
            guard answer == wanted else { throw CLIFailure("radtest got \(answer), not \(wanted)", code: .checkFailed) }
        }
    }

    /// The verification server's side: import, verify, drift, resync.
    private func verifierStory(seeds: [SeedRecord], token: TokenSession) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = try MasterKeyFile.load(path: folder.appendingPathComponent("master.key").path, creating: .allowed)
        let verifier = Verifier(store: try SQLiteTokenStore(path: folder.appendingPathComponent("verifier.sqlite").path),
                                keyring: keys.keyring)
        try await verifier.add(try seeds.map { try verifier.token(from: $0) })
        let id = seeds[0].tokenID
        print("5. Imported \(seeds.count) seeds into an embedded verifier (SQLite, secrets sealed with AES-GCM); token \(id):")
        for _ in 0..<2 {
            let code = try await token.openHOTP("demo") { try $0.driver.generate(0).code }
            let outcome = try await verifier.verify(tokenID: id, code: code)
            print("   press -> \(code) -> \(outcome.accepted ? "accepted" : "REFUSED")")
            guard outcome.accepted else { throw CLIFailure("the verifier refused a fresh code", code: .checkFailed) }
            print("   the same code again -> \(try await verifier.verify(tokenID: id, code: code).accepted ? "ACCEPTED" : "refused (replay)")")
        }
        let drifted = try await token.openHOTP("demo") { token in
            for _ in 0..<50 { _ = try token.driver.generate(0) }
            return try token.driver.generate(0).code
        }
        let plain = try await verifier.verify(tokenID: id, code: drifted)
        print("6. 50 presses nobody verified; the next code \(drifted) -> \(plain.accepted ? "ACCEPTED" : "refused (beyond the look-ahead window of 10)")")
        guard !plain.accepted else { throw CLIFailure("a code far ahead was accepted on its own", code: .checkFailed) }
        let (code1, code2) = try await token.openHOTP("demo") { (try $0.driver.generate(0).code, try $0.driver.generate(0).code) }
        guard case .resynchronized(let counter) = try await verifier.resync(tokenID: id, code1: code1, code2: code2) else {
            throw CLIFailure("resync failed", code: .checkFailed)
        }
        print("7. Resync with two consecutive codes \(code1) \(code2) -> the verifier expects counter \(counter) next")
        let next = try await token.openHOTP("demo") { try $0.driver.generate(0).code }
        let afterwards = try await verifier.verify(tokenID: id, code: next)
        print("   the next press \(next) -> \(afterwards.accepted ? "accepted" : "REFUSED")")
        guard afterwards.accepted else { throw CLIFailure("the code after the resync was refused", code: .checkFailed) }
    }
}
