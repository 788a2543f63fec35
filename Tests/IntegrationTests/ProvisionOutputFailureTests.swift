import Foundation
import TestSupport
import Testing

/// A batch whose output nobody can read any more (`otpkit provision ... | head -1`: EPIPE) stops after the token in
/// hand instead of programming every further token unseen; what it did is in the journal and in --out. The batch runs
/// apart from its printing, so the token in hand when the failed line is noticed may be the first or the second.
@Suite struct ProvisionOutputFailureTests {
    @Test func aClosedStandardOutputEndsTheBatchAfterTheTokenInHand() throws {
        let emulator = try EmulatorProcessFixture(tokens: 4)
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-epipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("batch.journal").path
        let out = folder.appendingPathComponent("seeds.json").path
        let process = Process()
        process.executableURL = ProjectPaths.otpkit
        process.arguments = ["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--out", out, "--format", "json"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try output.fileHandleForReading.close()  // the reader is gone before the first line
        try ProcessLaunch.run(process)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0, "a batch whose output was lost does not exit 0: \(stderr)")
        let seeds = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [[String: Any]]
        #expect((1...2).contains(seeds?.count ?? 0), "the token in hand was done, then the batch stopped; --out was still written: \(stderr)")
    }
}
