import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TokenDrivers

/// A blocking TCP connection with a receive timeout: the USB/IP client's socket.
final class TCPConnection {
    private var descriptor: Int32
    private let peer: String

    init(host: String, port: Int, timeout: TimeInterval) throws(TransportError) {
        peer = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host, String(port), &hints, &results)
        guard lookup == 0, let first = results else {
            throw .notFound("cannot resolve \(host): \(String(cString: gai_strerror(lookup)))")
        }
        defer { freeaddrinfo(results) }
        var lastError: Int32 = 0
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        descriptor = -1
        while let entry = candidate {
            let fd = socket(entry.pointee.ai_family, entry.pointee.ai_socktype, entry.pointee.ai_protocol)
            if fd >= 0 {
                Self.setTimeout(fd, timeout)
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                if connect(fd, entry.pointee.ai_addr, entry.pointee.ai_addrlen) == 0 {
                    descriptor = fd
                    break
                }
                lastError = errno
                Glibc.close(fd)
            } else {
                lastError = errno
            }
            candidate = entry.pointee.ai_next
        }
        guard descriptor >= 0 else {
            throw .notFound("cannot connect to USB/IP server \(peer): \(String(cString: strerror(lastError)))"
                            + (lastError == ECONNREFUSED ? " (is `otpkit emulate` or usbipd running there?)" : ""))
        }
    }

    deinit { close() }

    func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    func send(_ bytes: [UInt8]) throws(TransportError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .disconnected("sending to \(peer): \(String(cString: strerror(errno)))")
            }
            offset += count
        }
    }

    /// Reads exactly `count` bytes; a close or timeout in the middle is an error that names it.
    func receive(_ count: Int) throws(TransportError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let received = buffer[offset...].withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if received == 0 {
                throw .disconnected("\(peer) closed the connection" + (offset > 0 ? " in the middle of a message (\(offset) of \(count) bytes)" : ""))
            }
            if received < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut("no answer from \(peer)") }
                throw .disconnected("receiving from \(peer): \(String(cString: strerror(errno)))")
            }
            offset += received
        }
        return buffer
    }

    private static func setTimeout(_ fd: Int32, _ timeout: TimeInterval) {
        var value = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }
}
