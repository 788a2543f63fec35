import Foundation
import ServiceManager
import Synchronization
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The sd_notify protocol against sockets the tests bind: what arrives, and sends that fail without harm.
@Suite struct ServiceManagerNotifierTests {
    /// Collects the notifier's failure reports.
    final class Reports: Sendable {
        let lines = Mutex<[String]>([])
        var count: Int { lines.withLock { $0.count } }
        func add(_ line: String) { lines.withLock { $0.append(line) } }
    }

    @Test(arguments: [false, true]) func messagesArriveAsSent(abstract: Bool) throws {
        let receiver = try NotifySocketCatcher(abstract: abstract)
        let reports = Reports()
        let notifier = try #require(ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": receiver.name], report: reports.add))
        #expect(notifier.address.isAbstract == abstract)
        #expect(!notifier.hasSentReady)
        #expect(notifier.send(.ready(status: "listening: http 127.0.0.1:8400\nsecond line")))
        #expect(receiver.next(timeout: 5) == "READY=1\nSTATUS=listening: http 127.0.0.1:8400 second line")
        #expect(notifier.hasSentReady)
        #expect(notifier.send(.watchdog))
        #expect(receiver.next(timeout: 5) == "WATCHDOG=1")
        #expect(notifier.send(.stopping))
        #expect(receiver.next(timeout: 5) == "STOPPING=1")
        let before = ServiceNotification.monotonicMicroseconds()
        #expect(notifier.send(.reloading()))
        let reloading = try #require(receiver.next(timeout: 5)).split(separator: "\n")
        #expect(reloading.first == "RELOADING=1")
        let stamp = try #require(reloading.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil })
        #expect(stamp >= before && stamp <= ServiceNotification.monotonicMicroseconds())
        #expect(reports.count == 0)
    }

    @Test func noSocketNoNotifier() {
        let reports = Reports()
        #expect(ServiceManagerNotifier(environment: [:], report: reports.add) == nil)
        #expect(ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": ""], report: reports.add) == nil)
        #expect(reports.count == 0)
    }

    @Test func anAddressItCannotUseIsReportedOnce() {
        let reports = Reports()
        #expect(ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": "vsock:2:1234"], report: reports.add) == nil)
        #expect(ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": "/" + String(repeating: "x", count: 200)], report: reports.add) == nil)
        #expect(reports.count == 2)
        #expect(reports.lines.withLock { $0[0] }.contains("vsock:2:1234"))
    }

    /// ENOENT (nothing at the path), ECONNREFUSED (no socket there): false, reported once per burst, and
    /// again after a send succeeded in between.
    @Test func failedSendsAreReportedOncePerBurst() throws {
        let reports = Reports()
        let missing = FileManager.default.temporaryDirectory.path + "/otpkit-no-such-\(UUID().uuidString.prefix(8)).sock"
        let notifier = try #require(ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": missing], report: reports.add))
        #expect(!notifier.send(.ready()))
        #expect(!notifier.send(.watchdog))
        #expect(notifier.hasSentReady, "tried")
        #expect(reports.count == 1)
        #expect(reports.lines.withLock { $0[0] }.contains("No such file"))

        var receiver: NotifySocketCatcher? = try NotifySocketCatcher()
        let name = try #require(receiver?.name)
        let refusing = try #require(ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": name], report: reports.add))
        #expect(refusing.send(.watchdog))
        // The reader gone and a plain file at its path: sends to it are refused.
        let path = name
        receiver = nil
        close(open(path, O_CREAT | O_WRONLY, 0o600))
        #expect(!refusing.send(.watchdog))
        #expect(!refusing.send(.watchdog))
        #expect(reports.count == 2)
        unlink(path)
    }

    /// A full receive queue (net.unix.max_dgram_qlen datagrams) is EAGAIN: the send returns at once (the socket is
    /// non-blocking), false, reported once.
    @Test func aFullQueueNeverBlocks() throws {
        let receiver = try NotifySocketCatcher()
        let reports = Reports()
        let notifier = try #require(ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": receiver.name], report: reports.add))
        let started = ContinuousClock.now
        var refused = 0
        for _ in 0..<2_000 where !notifier.send(.status(String(repeating: "x", count: 1_000))) { refused += 1 }
        #expect(refused > 0)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(reports.count == 1)
        #expect(reports.lines.withLock { $0[0] }.contains("temporarily unavailable"), "\(reports.lines.withLock { $0 })")
        #expect(receiver.next(timeout: 1) != nil)
    }
}
