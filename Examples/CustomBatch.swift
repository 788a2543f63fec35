import EmulatedTokens
import Foundation
import MasterKeys
import OTPCore
import Provisioning
import SeedFormats
import Testing
import USBTransport
import Verification

/// docs/provisioning.md, "A batch of your own": program every token that arrives, then export the seeds as JSON.
@Suite struct CustomBatch {
    @Test func programEveryTokenThatArrivesAndExportTheSeeds() async throws {
        try await withEmulatedTokens(EmulatorConfiguration([.openHOTP, .openHOTP], firstSerial: 200)) { emulator in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-example-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let server = "usbip://\(emulator.usbipServer)"
            let journalPath = folder.appendingPathComponent("batch.journal").path
            let seedsPath = folder.appendingPathComponent("seeds.json").path
            // README begin
            let keyring = MasterKeyring(current: MasterKey.generate())   // seals the seeds: keep it to reopen the journal
            let journal = try SeedJournal(path: journalPath, keyring: keyring)
            var settings = ProvisioningSettings()
            settings.count = 2                       // stop after two tokens...
            settings.wait = .seconds(60)             // ...waiting up to a minute for them to arrive
            let arrivals = USBTokenArrivals(servers: [try DeviceAddress(parsing: server)])
            let batch = ProvisioningBatch(journal: journal, arrivals: arrivals, settings: settings)
            async let ending = batch.run()           // batch.requestStop() ends it after the token in hand
            for await progress in batch.events {
                if case .finished(let token) = progress.event {
                    print(token.outcome, token.family, token.serial, token.reason.map { "\($0)" } ?? "")
                }
            }
            let end = try await ending
            let committed = journal.committedSeeds()
            try SeedExport.write(committed.seeds, as: .json, credentials: .init(), to: seedsPath)
            print("\(end): \(committed.seeds.count) seeds in \(seedsPath)")
            // README end
            #expect(end == .countReached)
            #expect(await batch.tally.done == 2)
            let exported = try SeedFile.read(Array(try Data(contentsOf: URL(fileURLWithPath: seedsPath))))
            #expect(exported.map(\.serial) == ["00000200", "00000201"])
            #expect(exported[0].counter == 1, "the first code was checked, so the seed records the counter after it")
            let typed = try emulator.press("1-1")
            #expect(typed == (try HOTP(secret: exported[0].secret, digits: 6).code(counter: 1)), "the token holds the exported secret")
        }
    }
}
