import Foundation

/// Starts child processes around a Foundation bug: on Linux `Process.run()` lists /proc/self/fd and copies 256
/// bytes of each directory entry's name, reading past the end of glibc's directory buffer; when that buffer ends at
/// the edge of mapped memory the test process dies (SIGSEGV in memmove under `Process.run`, swift-corelibs-foundation
/// PR 5472, seen about one `make test` in six). Serving allocations of 32 KiB and more (that buffer is 32 KiB) from
/// mappings of their own, which are rounded up to whole pages, leaves slack after the buffer for the over-read.
public enum ProcessLaunch {
    private static let mappedLargeAllocations: Bool = {
        // mallopt(M_MMAP_THRESHOLD = -3, 32 KiB), found at run time: <malloc.h> is not in Swift's Glibc module.
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        return mallopt(-3, 32 * 1024) == 1
    }()

    public static func run(_ process: Process) throws {
        _ = mappedLargeAllocations
        try process.run()
    }
}
