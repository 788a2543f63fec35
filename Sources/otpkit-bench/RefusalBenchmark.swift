import Foundation
import MasterKeys
import OTPCore
import Verification
import VerifierStorage

/// `otpkit-bench refusals`: what a client could time. Each kind of refusal of `verify` and `resync`, then of logins
/// by user name (as RADIUS makes them), in process on SQLite (every one a committed decision), measured in
/// interleaved rounds; within each group the medians must lie within 10% of each other, or timing would tell an
/// unknown token from a known one, a replay from a wrong code, or an unknown user from one who owns tokens.
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
        try await measure(kinds, rounds: rounds, title: "Refusals in process on SQLite, \(rounds) interleaved rounds (each a committed decision); medians:")
        try await measure(loginKinds(store: store, keyring: keyring, secret: secret), rounds: max(20, rounds / 4),
                          title: "Login refusals by user name (one PIN derivation each: a user has a PIN), \(max(20, rounds / 4)) interleaved rounds; medians:")
    }

    /// A login refused for every reason a RADIUS client could cause, on users who own from none to the most tokens a
    /// user may own, of one and of two code lengths, with and without a PIN.
    private static func loginKinds(store: SQLiteTokenStore, keyring: MasterKeyring, secret: Secret) async throws -> [Kind] {
        var patient = VerifierPolicy()
        patient.maxFailures = .max
        let verifier = Verifier(store: store, keyring: keyring, policy: patient)
        let owners: [(user: String, tokens: [Int])] = [
            ("one", [6]), ("four", [6, 6, 6, 6]), ("most", Array(repeating: 6, count: Verifier.maximumTokensPerUser)),
            ("mixed", [6, 8]), ("pinned-mixed", [6, 8]), ("pinned", [6]), ("locked", [6]), ("gone", [6]),
        ]
        var tokens: [VerifierToken] = []
        for owner in owners {
            for (index, digits) in owner.tokens.enumerated() {
                tokens.append(try verifier.makeToken(id: "\(owner.user)-\(index)", secret: secret, digits: digits, user: owner.user))
            }
        }
        try await verifier.add(tokens)
        for user in ["pinned-mixed", "pinned"] { try await verifier.administration.setPIN("2468", user: user) }
        try await verifier.administration.unassign(tokenID: "gone-0")
        let strict = Verifier(store: store, keyring: keyring)
        for _ in 0..<10 { _ = try await strict.verify(tokenID: "locked-0", code: "000000") }
        func refused(_ name: String, _ user: String, _ password: String) -> Kind {
            Kind(name: "login: " + name) {
                if try await verifier.verify(user: user, password: password).outcome.accepted { fatalError("accepted") }
            }
        }
        return [
            refused("unknown user", "nobody", "000000"),
            refused("user owning no token", "gone", "000000"),
            refused("wrong code, 1 token", "one", "000000"),
            refused("wrong code, 4 tokens", "four", "000000"),
            refused("wrong code, \(Verifier.maximumTokensPerUser) tokens", "most", "000000"),
            refused("wrong code, 6 and 8 digits", "mixed", "000000"),
            refused("locked token, right code", "locked", "755224"),
            refused("wrong PIN", "pinned", "1357755224"),
            refused("right PIN, wrong code", "pinned", "2468000000"),
            refused("PIN, 6 and 8 digits, wrong code", "pinned-mixed", "2468000000"),
        ]
    }

    private static func measure(_ kinds: [Kind], rounds: Int, title: String) async throws {
        var times = Array(repeating: [Double](), count: kinds.count)
        let clock = ContinuousClock()
        for _ in 0..<rounds {
            for (index, kind) in kinds.enumerated() {
                let start = clock.now
                try await kind.run()
                times[index].append((clock.now - start).seconds)
            }
        }
        print(title)
        let medians = times.map { $0.sorted()[$0.count / 2] }
        for (kind, median) in zip(kinds, medians) { report("  " + kind.name, median * 1e6, "us") }
        let spread = (medians.max()! - medians.min()!) / medians.min()!
        print("  spread between the slowest and the fastest median: \(String(format: "%.1f", spread * 100))% "
              + (spread <= 0.10 ? "(within 10%)" : "(MORE THAN 10%: timing tells refusals apart)"))
    }
}
