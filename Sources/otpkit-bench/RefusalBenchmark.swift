import Foundation
import OTPCore
import Verification
import VerifierStorage

/// `otpkit-bench refusals`: what a verify-only client could time. Each kind of refusal of `verify` and `resync`,
/// in process on SQLite (every one a committed decision), measured in interleaved rounds; their medians must lie
/// within 10% of each other, or timing would tell an unknown token from a known one, or a replay from a wrong code.
enum RefusalBenchmark {
    struct Kind {
        let name: String
        let run: () async throws -> Void
    }

    static func run(rounds: Int = 400) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-bench-refusals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteTokenStore(path: folder.appendingPathComponent("verifier.sqlite").path)
        let keyring = MasterKeyring(current: MasterKey.generate())
        var patient = VerifierPolicy()
        patient.maxFailures = .max  // wrong codes never lock the tokens measured
        let verifier = Verifier(store: store, keyring: keyring, policy: patient)
        let secret = try Secret(bytes: Array("12345678901234567890".utf8))
        let hotp = try HOTP(secret: secret)
        try await verifier.add(try ["wrong", "length", "replay", "locked", "resync", "resync-length", "resync-locked"].map {
            try verifier.makeToken(id: $0, secret: secret)
        })
        let strict = Verifier(store: store, keyring: keyring)
        for id in ["locked", "resync-locked"] { for _ in 0..<10 { _ = try await strict.verify(tokenID: id, code: "000000") } }
        guard try await verifier.verify(tokenID: "replay", code: hotp.code(counter: 0)).accepted else { fatalError("not accepted") }

        func refused(_ outcome: VerificationOutcome) { if outcome.accepted { fatalError("accepted") } }
        func resyncRefused(_ body: () async throws -> ResyncOutcome) async {
            if (try? await body()) == .resynchronized(counter: 0) { fatalError("resynchronised") }
        }
        let kinds = [
            Kind(name: "verify: unknown token") { refused(try await verifier.verify(tokenID: "nobody", code: "000000")) },
            Kind(name: "verify: locked token, right code") { refused(try await verifier.verify(tokenID: "locked", code: hotp.code(counter: 0))) },
            Kind(name: "verify: wrong code") { refused(try await verifier.verify(tokenID: "wrong", code: "000000")) },
            Kind(name: "verify: wrong length") { refused(try await verifier.verify(tokenID: "length", code: "0000000")) },
            Kind(name: "verify: replay") { refused(try await verifier.verify(tokenID: "replay", code: hotp.code(counter: 0))) },
            Kind(name: "resync: unknown token") { await resyncRefused { try await verifier.resync(tokenID: "nobody", code1: "000000", code2: "000001") } },
            Kind(name: "resync: locked token") { await resyncRefused { try await verifier.resync(tokenID: "resync-locked", code1: "000000", code2: "000001") } },
            Kind(name: "resync: codes not found") { await resyncRefused { try await verifier.resync(tokenID: "resync", code1: "000000", code2: "000001") } },
            Kind(name: "resync: wrong length") { await resyncRefused { try await verifier.resync(tokenID: "resync-length", code1: "00000", code2: "000001") } },
        ]
        var times = Array(repeating: [Double](), count: kinds.count)
        let clock = ContinuousClock()
        for _ in 0..<rounds {
            for (index, kind) in kinds.enumerated() {
                let start = clock.now
                try await kind.run()
                times[index].append((clock.now - start).seconds)
            }
        }
        print("Refusals in process on SQLite, \(rounds) interleaved rounds (each a committed decision); medians:")
        let medians = times.map { $0.sorted()[$0.count / 2] }
        for (kind, median) in zip(kinds, medians) { report("  " + kind.name, median * 1e6, "us") }
        let spread = (medians.max()! - medians.min()!) / medians.min()!
        print("  spread between the slowest and the fastest median: \(String(format: "%.1f", spread * 100))% "
              + (spread <= 0.10 ? "(within 10%)" : "(MORE THAN 10%: timing tells refusals apart)"))
    }
}
