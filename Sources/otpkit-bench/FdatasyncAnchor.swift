import Foundation
import OTPCore

/// The disk's own rate of durable writes, the ceiling a store that commits each decision alone can reach: 4 KiB
/// written over a block of a preallocated file, then `fdatasync`, in a loop, as a write-ahead log reuses its file.
/// Measured in the folder the databases live in, so that it is their file system and disk.
enum FdatasyncAnchor {
    static let blockSize = 4096
    /// The log file's size: the loop walks its blocks in turn.
    static let blocks = 256

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Write-and-fdatasync cycles per second over about `seconds`.
    static func measure(in folder: URL, seconds: Double = 3) throws -> Double {
        let path = folder.appendingPathComponent("fdatasync-anchor").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer {
            close(descriptor)
            unlink(path)
        }
        var block = [UInt8](repeating: 0x5a, count: blockSize)
        // Lays the file out first, so that the loop overwrites allocated blocks (no size change to journal).
        for index in 0..<blocks { try writeBlock(descriptor, &block, at: index, path: path) }
        guard fsync(descriptor) == 0 else { throw Failure(description: "fsync \(path): \(String(cString: strerror(errno)))") }
        let clock = ContinuousClock()
        let start = clock.now
        var cycles = 0
        while (clock.now - start).seconds < seconds {
            block[cycles % blockSize] &+= 1
            try writeBlock(descriptor, &block, at: cycles % blocks, path: path)
            guard fdatasync(descriptor) == 0 else { throw Failure(description: "fdatasync \(path): \(String(cString: strerror(errno)))") }
            cycles += 1
        }
        return Double(cycles) / (clock.now - start).seconds
    }

    private static func writeBlock(_ descriptor: Int32, _ block: inout [UInt8], at index: Int, path: String) throws {
        let written = block.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, blockSize, off_t(index * blockSize)) }
        guard written == blockSize else { throw Failure(description: "write to \(path): \(written < 0 ? String(cString: strerror(errno)) : "short write")") }
    }
}
