import Foundation
import MasterKeys
import OTPCore
import Synchronization
import TestSupport
import Verification
import VerifierServer
import VerifierStorage

/// The verifier on SQLite (WAL, synchronous=FULL): verifications in process, a resync at the end of its window, what
/// refusals cost a verify-only client, then HTTP on loopback from keep-alive client threads, each sending the next
/// valid code of its own tokens.
enum VerifierBenchmark {
    static let tokens = 64
    static let clients = 16

    static func run() async throws {
        print("Verifier (SQLite in WAL mode, synchronous=FULL: every decision committed before it is answered)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-bench-verifier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let databasePath = folder.appendingPathComponent("verifier.sqlite").path
        let store = try SQLiteTokenStore(path: databasePath)
        let verifier = Verifier(store: store, keyring: MasterKeyring(current: MasterKey.generate()))
        let rfcKey = try Secret(bytes: Array("12345678901234567890".utf8))
        let sha1 = try HOTP(secret: rfcKey)
        try await verifier.add(try (0..<tokens).map { try verifier.makeToken(id: "t\($0)", secret: rfcKey) })
        let codes = (0..<UInt64(20_000)).map { sha1.code(counter: $0) }

        var nextCounter = [Int](repeating: 0, count: tokens)
        let inProcessRate = try await measure(target: 3, batchSize: tokens) { _ in
            for token in 0..<tokens {
                guard try await verifier.verify(tokenID: "t\(token)", code: codes[nextCounter[token]]).accepted else { fatalError("refused") }
                nextCounter[token] += 1
            }
        }
        report("  verifications/s in process, one thread, all accepted", inProcessRate, "verify/s")

        try await verifier.add([try verifier.makeToken(id: "drift", secret: rfcKey)])
        var resyncCounter: UInt64 = 0
        let resyncRate = try await measure(target: 2, batchSize: 1) { _ in
            let far = resyncCounter + 998  // the last pair inside the 1000-code sync window
            guard case .resynchronized = try await verifier.resync(tokenID: "drift", code1: sha1.code(counter: far), code2: sha1.code(counter: far + 1)) else {
                fatalError("resync failed")
            }
            resyncCounter = far + 2
        }
        report("  resync, pair at the end of the 1,000-code window (durable)", 1e6 / resyncRate, "us")
        // What a verify-only client could time: a wrong code, an unknown token, a locked token (all answered "refused").
        try await verifier.add([try verifier.makeToken(id: "wrong", secret: rfcKey), try verifier.makeToken(id: "locked", secret: rfcKey)])
        for _ in 0..<10 { _ = try await verifier.verify(tokenID: "locked", code: "000000") }
        var patient = VerifierPolicy()
        patient.maxFailures = .max  // so that the wrong-code case never locks during the measurement
        let timing = Verifier(store: store, keyring: verifier.keyring, policy: patient)
        for (label, id) in [("wrong code", "wrong"), ("unknown token", "nobody"), ("locked token, right code", "locked")] {
            let rate = try await measure(target: 1, batchSize: 1) { _ in
                _ = try await timing.verify(tokenID: id, code: label == "locked token, right code" ? "755224" : "000000")
            }
            report("  refused in process: \(label), per request", 1e6 / rate, "us")
        }

        let keyStore = try SQLiteAPIKeyStore(path: databasePath)
        let apiKey = try await keyStore.create(name: "bench", role: .verify).text
        try await http(verifier: verifier, keys: keyStore, apiKey: apiKey, codes: codes, counters: nextCounter)
        // The same load from wrk, against server processes on SQLite and PostgreSQL: `otpkit-bench cluster`.
    }

    /// HTTP on loopback: an in-process server, and `clients` threads with keep-alive connections for 5 s.
    static func http(verifier: Verifier, keys: SQLiteAPIKeyStore, apiKey: String, codes: [String], counters: [Int]) async throws {
        var options = VerifierHTTPServer.Options()
        options.port = 0
        let server = VerifierHTTPServer(verifier: verifier, keys: keys, options: options, auditLog: FileHandle(forWritingAtPath: "/dev/null")!)
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let serving = Task {
            defer { announce.finish() }
            try await server.run { address in announce.yield(Int(address.split(separator: ":").last ?? "") ?? 0) }
        }
        var announced = ports.makeAsyncIterator()
        guard let port = await announced.next() else {
            try await serving.value
            throw TestProcessFailure("the in-process HTTP server did not start")
        }
        let start = ContinuousClock.now
        // The client threads block on their sockets: on a thread of their own, never on the cooperative pool.
        let (latencies, refusals) = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: load(port: port, apiKey: apiKey, codes: codes, counters: counters))
            }
        }
        let elapsed = (ContinuousClock.now - start).seconds
        serving.cancel()  // a graceful stop, as SIGTERM makes one
        _ = try? await serving.value
        report("  HTTP verify requests/s, \(clients) keep-alive clients on loopback", Double(latencies.count) / elapsed, "req/s")
        report("  HTTP verify latency p50", (latencies[latencies.count / 2]) * 1e6, "us")
        report("  HTTP verify latency p99", (latencies[latencies.count * 99 / 100]) * 1e6, "us")
        report("  HTTP verify requests refused (must be 0)", Double(refusals), "")
    }

    /// Each client walks its own tokens from `counters` on; returns every request's latency, sorted, and the refusals.
    private static func load(port: Int, apiKey: String, codes: [String], counters: [Int]) -> (latencies: [Double], refusals: Int) {
        let results = Mutex((latencies: [Double](), refusals: 0))
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            let connection = HTTPTestClient(port: port)
            var local: [Double] = []
            var refused = 0
            var positions = counters
            let deadline = ContinuousClock.now + .seconds(5)
            var round = 0
            while ContinuousClock.now < deadline {
                let token = client + clients * (round % (tokens / clients))
                round += 1
                let body = "{\"token\":\"t\(token)\",\"code\":\"\(codes[positions[token]])\"}"
                positions[token] += 1
                let sent = ContinuousClock.now
                guard let response = try? connection.send("POST", "/v1/verify", body: body, headers: ["Authorization": "Bearer \(apiKey)"]) else { break }
                local.append((ContinuousClock.now - sent).seconds)
                if response.body != #"{"accepted":true}"# { refused += 1 }
            }
            results.withLock { results in
                results.latencies += local
                results.refusals += refused
            }
        }
        return results.withLock { ($0.latencies.sorted(), $0.refusals) }
    }
}
