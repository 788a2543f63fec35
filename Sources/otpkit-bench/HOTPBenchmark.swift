import Foundation
import OTPCore

/// OTPCore's HOTP beside liboath's, measured in the same run (`otpkit-bench hotp` runs this part alone):
/// codes per second per hash function, and the 1,000-code search a verifier's look-ahead makes. Rates are per
/// CPU-second of the measuring thread, as liboath's are per CPU-second of its program (`LiboathAnchor`).
enum HOTPBenchmark {
    static let key = "12345678901234567890"

    /// Runs `batch` repeatedly for about `target` seconds of this thread's CPU time; returns operations per second.
    static func measureOnCPU(target: Double = 2, batchSize: Int, _ batch: (Int) -> Void) -> Double {
        func cpuSeconds() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
        }
        let start = cpuSeconds()
        var done = 0, round = 0
        while cpuSeconds() - start < target {
            batch(round)
            done += batchSize
            round += 1
        }
        return Double(done) / (cpuSeconds() - start)
    }

    static func run() throws {
        print("HOTP (OTPCore on FastHMAC: swift-crypto's BoringSSL hash contexts as values, keyed states cached; and its public HMAC)")
        let liboath = LiboathAnchor.measure()
        if let liboath {
            report("  liboath oath_hotp_generate (anchor, same run), SHA1, 6 digits", liboath.codesPerSecond, "codes/s")
        }
        let secret = try Secret(bytes: Array(key.utf8))
        var sha1Rate = 0.0
        for algorithm in OTPAlgorithm.allCases {
            let hotp = try HOTP(secret: secret, algorithm: algorithm, digits: 6)
            var sink: UInt64 = 0
            let rate = measureOnCPU(batchSize: 100_000) { round in
                let base = UInt64(round) * 100_000
                for counter in base..<(base + 100_000) { sink &+= hotp.value(counter: counter) }
            }
            report("  codes/s, \(algorithm.rawValue), 6 digits, numeric", rate, "codes/s")
            if algorithm == .sha1 { sha1Rate = rate }
            if sink == 42 { print("") }  // keeps the loop from being optimised away
        }
        let sha1 = try HOTP(secret: secret)
        var batchSink: UInt64 = 0
        let batchRate = measureOnCPU(batchSize: 100_000) { round in
            batchSink &+= sha1.values(from: UInt64(round) * 100_000, count: 100_000).reduce(0, &+)
        }
        report("  codes/s, SHA1, 6 digits, numeric, batches of 100,000 (values)", batchRate, "codes/s")
        if batchSink == 42 { print("") }
        var characters = 0
        let stringRate = measureOnCPU(batchSize: 100_000) { round in
            for counter in 0..<UInt64(100_000) { characters &+= sha1.code(counter: counter &+ UInt64(round)).utf8.count }
        }
        report("  codes/s, SHA1, 6 digits, as zero-padded String", stringRate, "codes/s")

        // The search alone, as liboath's oath_hotp_validate makes it (the window's last code, 1,000 codes compared)
        // and as the verifier makes it (HMACWork.firstMatch): the typed code parsed once, numbers compared.
        let wanted = sha1.code(counter: 999)
        var found: UInt64 = 0
        let searchRate = measureOnCPU(batchSize: 1) { _ in
            guard let number = UInt64(wanted) else { return }
            found &+= sha1.firstMatch(number, from: 0, count: 1_000) ?? 1
        }
        guard found % 999 == 0 else { fatalError("the search missed the window's last code") }
        report("  1,000-code search alone (as oath_hotp_validate)", 1e6 / searchRate, "us")
        // The engine a build without swift-crypto's BoringSSL module runs: swift-crypto's public HMAC alone.
        let portable = try HOTP(secret: secret, engine: .swiftCrypto)
        var portableSink: UInt64 = 0
        let portableRate = measureOnCPU(batchSize: 10_000) { round in
            portableSink &+= portable.values(from: UInt64(round) * 10_000, count: 10_000).reduce(0, &+)
        }
        report("  codes/s, SHA1, 6 digits, numeric, swift-crypto HMAC engine", portableRate, "codes/s")
        if portableSink == 42 { print("") }
        if let liboath {
            report("  liboath oath_hotp_validate, same 1,000-code search (anchor)", liboath.searchMicroseconds, "us")
            print(String(format: "  ratios to liboath: codes/s %.2fx (SHA1, numeric), 1,000-code search time %.2fx",
                         sha1Rate / liboath.codesPerSecond, (1e6 / searchRate) / liboath.searchMicroseconds))
            print(String(format: "  ratio to liboath on swift-crypto's public HMAC engine: codes/s %.2fx",
                         portableRate / liboath.codesPerSecond))
        }
    }
}
