import Foundation
import Synchronization

/// A loopback TCP proxy to a server that can stop passing bytes (`freeze`) and go on (`thaw`): a database that does
/// not answer, as behind a dead network, for one client only (stopping a backend with SIGSTOP would hold up every
/// test's CREATE DATABASE on the shared cluster, which waits for all backends). Threads, blocking sockets: two per
/// connection, each copying one way and waiting on a condition while frozen.
final class FreezableTCPProxy: Sendable {
    let port: Int
    private let listener: Int32
    private let frozen = Mutex(false)
    private let thawed = NSCondition()

    init(to targetPort: Int) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [weak self] in
            while case let client = accept(listener, nil, nil), client >= 0 {
                guard let self else { close(client); return }
                let server = Self.connect(to: targetPort)
                guard server >= 0 else { close(client); continue }
                let ends = Mutex(2)  // the copier that finishes last closes both sockets
                for (from, to) in [(client, server), (server, client)] {
                    Thread {
                        self.copy(from: from, to: to)
                        if ends.withLock({ $0 -= 1; return $0 == 0 }) {
                            close(client)
                            close(server)
                        }
                    }.start()
                }
            }
        }.start()
    }

    deinit { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    func freeze() { frozen.withLock { $0 = true } }

    func thaw() {
        frozen.withLock { $0 = false }
        thawed.lock()
        thawed.broadcast()
        thawed.unlock()
    }

    private func copy(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while case let count = read(from, &buffer, buffer.count), count > 0 {
            thawed.lock()
            while frozen.withLock({ $0 }) { thawed.wait() }
            thawed.unlock()
            guard buffer.withUnsafeBytes({ write(to, $0.baseAddress, count) }) == count else { break }
        }
        shutdown(to, Int32(SHUT_RDWR))
        shutdown(from, Int32(SHUT_RDWR))
    }

    private static func connect(to port: Int) -> Int32 {
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if connected { return server }
        close(server)
        return -1
    }
}
