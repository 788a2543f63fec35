import Foundation

/// A Unix datagram socket where a test points `NOTIFY_SOCKET` (a path in a temporary folder, or an abstract name):
/// it reads what a service sends to its service manager (`READY=1`, `WATCHDOG=1`, ...) and answers nothing.
public final class NotifySocketCatcher: @unchecked Sendable {
    // @unchecked: the descriptor is set once in init and only read afterwards; the kernel serialises the socket calls.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// What `NOTIFY_SOCKET` is set to.
    public let name: String
    private let descriptor: Int32
    private let path: String?

    public init(abstract: Bool = false) throws {
        let unique = UUID().uuidString.prefix(8)
        name = abstract ? "@otpkit-notify-test-\(unique)" : FileManager.default.temporaryDirectory.path + "/otpkit-notify-\(unique).sock"
        path = abstract ? nil : name
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        if abstract { bytes[0] = 0 } else { bytes.append(0) }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
        let descriptor = descriptor
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw Failure(description: "bind \(name): \(reason)")
        }
    }

    /// The next datagram as text (one that arrived, or arrives within `timeout` seconds), or nil.
    public func next(timeout: TimeInterval) -> String? {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count < 0 ? nil : String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    /// Every datagram that arrives within `duration` seconds.
    public func all(within duration: TimeInterval) -> [String] {
        let end = Date().addingTimeInterval(duration)
        var received: [String] = []
        while case let left = end.timeIntervalSinceNow, left > 0 {
            if let message = next(timeout: left) { received.append(message) }
        }
        return received
    }

    /// Datagrams up to and including the first that satisfies `condition`, waiting `timeout` seconds at most; the
    /// last is nil when none did.
    public func messages(until condition: (String) -> Bool, timeout: TimeInterval) -> (before: [String], match: String?) {
        let end = Date().addingTimeInterval(timeout)
        var before: [String] = []
        while case let left = end.timeIntervalSinceNow, left > 0, let message = next(timeout: left) {
            if condition(message) { return (before, message) }
            before.append(message)
        }
        return (before, nil)
    }

    deinit {
        close(descriptor)
        if let path { unlink(path) }
    }
}
