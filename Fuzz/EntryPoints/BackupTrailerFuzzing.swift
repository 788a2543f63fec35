import Foundation
import VerifierStorage

/// A backup's trailer as `restore` reads it: the input is the file's last 512 bytes (shorter inputs are padded with
/// spaces, as a trailer is), for a file whose image is the length the input's `bytes=` line claims, or 1 MiB.
enum BackupTrailerFuzzing {
    static func run(_ input: [UInt8]) {
        let tail = Array(input.prefix(BackupTrailer.size)) + [UInt8](repeating: 0x20, count: max(0, BackupTrailer.size - input.count))
        for fileSize in [BackupTrailer.size + (1 << 20), claimedSize(tail) ?? 0] {
            guard let trailer = BackupTrailer(tail, fileSize: fileSize) else { continue }
            precondition(trailer.bytes == fileSize - BackupTrailer.size, "a trailer whose image does not fill the file")
        }
    }

    /// Trailers as `otpkit verifier backup` writes them: with and without a master key id.
    static func seeds() -> [[UInt8]] {
        [String?("3f2a9c01"), nil].map { key in
            BackupTrailer(bytes: 1 << 20, sha256: String(repeating: "a", count: 64), schemaVersion: 7, tokens: 3, masterKeyID: key,
                          taken: Date(timeIntervalSince1970: 1_700_000_000)).rendered
        }
    }

    /// The file size the trailer's `bytes=` line implies, when it is a number that leaves room for the trailer.
    private static func claimedSize(_ tail: [UInt8]) -> Int? {
        let text = String(decoding: tail, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("bytes=") }),
              let bytes = Int(line.dropFirst("bytes=".count)), bytes >= 0, bytes <= Int.max - BackupTrailer.size else { return nil }
        return bytes + BackupTrailer.size
    }
}
