import ArgumentParser
import Foundation
import OTPCore
import TokenDrivers
import USBTransport
import SeedFormats
import Verification
import VerifierStorage

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show otpkit end to end on two emulated tokens.",
        discussion: """
        Starts `otpkit emulate` with two tokens on a free loopback port, programs a generated secret into each \
        over USB/IP, reads the counters, presses one token's button three times and checks each code against \
        otpkit's own HOTP and oathtool's, prints the seed record a verification server would receive, imports the \
        seeds into an embedded verifier (SQLite in a temporary folder), verifies codes from presses, lets the token \
        drift 50 presses ahead, shows a plain verify fail and two consecutive codes resynchronise it; provisions a \
        batch of three more tokens through the seed journal; gives one of them to user `demo` and logs in with its \
        code over RADIUS (`otpkit verifier serve --radius-listen` and FreeRADIUS's `radtest`); and stops everything. \
        The secrets are throwaway ones.
        """)

    func run() async throws {
        try await reportingFailures {
            let emulator = try EmulatorProcess.start(arguments: ["--tokens", "2", "--port", "0"])
            defer { emulator.stop() }
            print("1. Emulator started: two OpenHOTP tokens on \(emulator.listenAddress) (USB/IP).")

            var records: [SeedRecord] = []
            for address in emulator.tokenAddresses {
                let token = try ConnectedToken.open(DeviceAddress(parsing: address)).requireOpenHOTP("demo")
                let secret = Secret.random(byteCount: 20)
                try token.driver.writeSlot(0, OpenHOTPSlotConfiguration(secret: secret, name: "demo"))
                let counter = try token.driver.readCounter(0)
                print("2. Programmed slot 0 of token \(token.serial) (\(address)) with a generated 20-byte secret; counter reads \(counter).")
                records.append(SeedRecord(serial: token.serial, slot: 0, family: "OpenHOTP", algorithm: .sha1, digits: 6,
                                          counter: counter, secret: secret))
            }

            let first = records[0]
            let token = try ConnectedToken.open(DeviceAddress(parsing: emulator.tokenAddresses[0])).requireOpenHOTP("demo")
            let reference = try HOTP(secret: first.secret)
            print("3. Three presses of token \(first.serial)'s button:")
            print("   counter  token    otpkit   oathtool")
            for _ in 0..<3 {
                let produced = try token.driver.generate(0)
                let expected = reference.code(counter: produced.counter)
                let oathtool = try Oathtool.hotp(secret: first.secret, counter: produced.counter, digits: 6)
                let verdict = produced.code == expected && expected == oathtool ? "match" : "MISMATCH"
                let counterColumn = String(produced.counter)
                print("   \(String(repeating: " ", count: max(0, 7 - counterColumn.count)))\(counterColumn)  \(produced.code)   \(expected)   \(oathtool)  \(verdict)")
                guard verdict == "match" else { throw CLIFailure("the codes disagree", code: .checkFailed) }
            }
            let counter = try token.driver.readCounter(0)
            print("   The token's counter now reads \(counter).")

            print("4. What the verification server receives for token \(first.serial) (seed record, counter as read back):")
            var handOff = first
            handOff.counter = counter
            try printJSON(handOff)

            try await verifierStory(seeds: [handOff] + records.dropFirst(), token: token)
            try await batchStory()
            print("10. Emulators and the verification server stopped; nothing left running.")
        }
    }

    /// IT staff's side: a batch of tokens provisioned through the seed journal, handed to a verifier, verified.
    private func batchStory() async throws {
        let emulator = try EmulatorProcess.start(arguments: ["--tokens", "3", "--port", "0"], tokens: 3)
        defer { emulator.stop() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-demo-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let seedsPath = folder.appendingPathComponent("seeds.json").path
        let provision = Process()
        provision.executableURL = EmulatorProcess.ownExecutable
        provision.arguments = ["provision", "--usbip", emulator.listenAddress, "--journal", folder.appendingPathComponent("batch.journal").path,
                               "--out", seedsPath, "--format", "json"]
        provision.standardError = FileHandle.nullDevice
        print("8. A batch: three more emulated tokens provisioned; each seed journaled (sealed, synced) before its token is written:")
        try provision.run()
        provision.waitUntilExit()
        guard provision.terminationStatus == 0, let data = FileManager.default.contents(atPath: seedsPath) else {
            throw CLIFailure("the batch did not complete", code: .checkFailed)
        }
        let keys = try MasterKeyFile.load(path: folder.appendingPathComponent("verifier.key").path, creating: .allowed)
        let verifier = Verifier(store: try SQLiteTokenStore(path: folder.appendingPathComponent("verifier.sqlite").path), keyring: keys.keyring)
        let seeds = try SeedFile.read(Array(data))
        try await verifier.add(try seeds.map { try verifier.token(from: $0) })
        print("   handed \(seeds.count) seeds to the verifier; one press of each token:")
        for address in emulator.tokenAddresses {
            let token = try ConnectedToken.open(DeviceAddress(parsing: address)).requireOpenHOTP("demo")
            let code = try token.driver.generate(0).code
            let accepted = try await verifier.verify(tokenID: "\(token.serial)-0", code: code).accepted
            print("   token \(token.serial): \(code) -> \(accepted ? "accepted" : "REFUSED")")
            guard accepted else { throw CLIFailure("a batch token's code was refused", code: .checkFailed) }
        }
        try await radiusStory(verifier: verifier, folder: folder, tokenAddress: emulator.tokenAddresses[0])
    }

    /// The login a VPN or sshd asks for: the batch's first token given to user `demo`, `otpkit verifier serve
    /// --radius-listen` on the same database, and FreeRADIUS's own `radtest` as the client.
    private func radiusStory(verifier: Verifier, folder: URL, tokenAddress: String) async throws {
        guard let radtest = ["/usr/bin/radtest", "/usr/local/bin/radtest"].first(where: FileManager.default.isExecutableFile) else {
            throw CLIFailure("radtest is not installed (apt-get install freeradius-utils; `make demo` does it)", code: .checkFailed)
        }
        let token = try ConnectedToken.open(DeviceAddress(parsing: tokenAddress)).requireOpenHOTP("demo")
        try await verifier.assign(tokenID: "\(token.serial)-0", to: "demo")
        let secret = Secret.random(byteCount: 16).hex
        // radtest signs its requests with a Message-Authenticator, so its client entry requires one (the default).
        try await verifier.addRADIUSClient(name: "radtest", address: "127.0.0.1", secret: try Secret(bytes: Array(secret.utf8)),
                                     messageAuthenticator: .required)
        let server = try OwnCommandProcess(
            ["verifier", "serve", "--db", folder.appendingPathComponent("verifier.sqlite").path,
             "--key-file", folder.appendingPathComponent("verifier.key").path, "--listen", "127.0.0.1:0",
             "--radius-listen", "127.0.0.1:0", "--audit-log", folder.appendingPathComponent("audit.log").path],
            name: "otpkit verifier serve") { lines in lines.contains { $0.hasPrefix("radius listening on ") } }
        defer { server.stop() }
        let address = server.lines.first { $0.hasPrefix("radius listening on ") }!.dropFirst("radius listening on ".count)
        print("9. A RADIUS login, as a VPN or sshd (pam_radius_auth) asks for one: token \(token.serial) assigned to user demo,")
        print("   otpkit verifier serve --radius-listen \(address); FreeRADIUS's radtest as the client:")
        let code = try token.driver.generate(0).code
        for (label, wanted) in [("press", "Access-Accept"), ("the same code again", "Access-Reject")] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: radtest)
            process.arguments = ["demo", code, String(address), "0", secret]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let answer = ["Access-Accept", "Access-Reject"].first { text.contains("Received \($0)") } ?? "no answer"
            print("   \(label): radtest demo \(code) \(address) 0 SECRET -> \(answer)")
            guard answer == wanted else { throw CLIFailure("radtest got \(answer), not \(wanted)", code: .checkFailed) }
        }
    }

    /// The verification server's side: import, verify, drift, resync.
    private func verifierStory(seeds: [SeedRecord], token: ConnectedOpenHOTP) async throws {
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
            let code = try token.driver.generate(0).code
            let outcome = try await verifier.verify(tokenID: id, code: code)
            print("   press -> \(code) -> \(outcome.accepted ? "accepted" : "REFUSED")")
            guard outcome.accepted else { throw CLIFailure("the verifier refused a fresh code", code: .checkFailed) }
            print("   the same code again -> \(try await verifier.verify(tokenID: id, code: code).accepted ? "ACCEPTED" : "refused (replay)")")
        }
        for _ in 0..<50 { _ = try token.driver.generate(0) }
        let drifted = try token.driver.generate(0).code
        let plain = try await verifier.verify(tokenID: id, code: drifted)
        print("6. 50 presses nobody verified; the next code \(drifted) -> \(plain.accepted ? "ACCEPTED" : "refused (beyond the look-ahead window of 10)")")
        guard !plain.accepted else { throw CLIFailure("a code far ahead was accepted on its own", code: .checkFailed) }
        let code1 = try token.driver.generate(0).code, code2 = try token.driver.generate(0).code
        guard case .resynchronized(let counter) = try await verifier.resync(tokenID: id, code1: code1, code2: code2) else {
            throw CLIFailure("resync failed", code: .checkFailed)
        }
        print("7. Resync with two consecutive codes \(code1) \(code2) -> the verifier expects counter \(counter) next")
        let next = try token.driver.generate(0).code
        let afterwards = try await verifier.verify(tokenID: id, code: next)
        print("   the next press \(next) -> \(afterwards.accepted ? "accepted" : "REFUSED")")
        guard afterwards.accepted else { throw CLIFailure("the code after the resync was refused", code: .checkFailed) }
    }
}
