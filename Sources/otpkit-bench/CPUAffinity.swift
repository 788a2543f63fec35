import Foundation

/// Pinning a process, every thread of it, to a set of CPUs (`sched_setaffinity`); threads and children it makes later
/// inherit the set from the thread that makes them.
enum CPUAffinity {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// glibc's `sched_getaffinity`/`sched_setaffinity` (declared only under _GNU_SOURCE, so looked up by name): a
    /// thread id, the mask's size in bytes and the mask.
    private typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
    private static let getAffinity = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_getaffinity"), to: AffinityCall?.self)
    private static let setAffinity = unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_setaffinity"), to: AffinityCall?.self)
    /// A mask of 1024 CPUs, as glibc's `cpu_set_t`.
    private static let maskBytes = 128

    /// The CPUs this process may run on.
    static func usable() -> [Int32] {
        var mask = [UInt8](repeating: 0, count: maskBytes)
        guard let getAffinity, mask.withUnsafeMutableBytes({ getAffinity(0, maskBytes, $0.baseAddress!) }) == 0 else { return [] }
        return (0..<Int32(maskBytes * 8)).filter { mask[Int($0) / 8] & (1 << UInt8($0 % 8)) != 0 }
    }

    /// Pins every thread of `pid` (and, with `children`, every process whose parent it is: a PostgreSQL server's
    /// backends and helpers) to `cpus`.
    static func pin(_ pid: Int32, to cpus: [Int32], children: Bool = false) throws {
        guard let setAffinity else { throw Failure(description: "this C library has no sched_setaffinity") }
        var mask = [UInt8](repeating: 0, count: maskBytes)
        for cpu in cpus where Int(cpu) / 8 < maskBytes { mask[Int(cpu) / 8] |= 1 << UInt8(cpu % 8) }
        var pids = [pid]
        if children { pids += ProcessCPU.children(of: pid) }
        for process in pids {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process)/task"))?.compactMap(Int32.init) ?? [process]
            for task in tasks where mask.withUnsafeMutableBytes({ setAffinity(task, maskBytes, $0.baseAddress!) }) != 0 && errno != ESRCH {
                throw Failure(description: "cannot pin thread \(task) of process \(process) to CPUs \(CPUPlan.list(cpus)): \(String(cString: strerror(errno)))")
            }
        }
    }
}
