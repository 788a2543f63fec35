import Foundation

/// `otpkit-bench` (`all`, what `make bench` runs): HOTP beside liboath, programming over USB/IP, the verifier in
/// process and over HTTP.
enum DefaultBenchmark {
    static func run() async throws {
        print("otpkit-bench on \(ProcessInfo.processInfo.activeProcessorCount) cores, one thread")
        print("")
        try HOTPBenchmark.run()
        print("")
        try await ProgrammingBenchmark.run()
        print("")
        try await VerifierBenchmark.run()
    }
}
