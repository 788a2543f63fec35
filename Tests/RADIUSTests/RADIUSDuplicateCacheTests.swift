import NIOCore
@testable import RADIUSServer
import Testing

/// The retransmit cache's window and bounds, with explicit times.
@Suite struct RADIUSDuplicateCacheTests {
    func key(_ id: UInt8, port: Int = 5000) throws -> RADIUSDuplicateCache.Key {
        .init(source: try SocketAddress(ipAddress: "127.0.0.1", port: port), identifier: id, authenticator: Array(0..<16))
    }

    @Test func answersWithinTheWindowOnly() throws {
        var cache = RADIUSDuplicateCache(window: .seconds(30), capacity: 10)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let first = try key(1)
        #expect(cache.lookup(first, now: start) == .miss)
        cache.begin(first)
        #expect(cache.lookup(first, now: start) == .inProgress)
        cache.finish(first, reply: [1, 2, 3], now: start)
        #expect(cache.lookup(first, now: start + .seconds(29)) == .answered([1, 2, 3]))
        #expect(cache.lookup(first, now: start + .seconds(30)) == .miss)
        // Another port, identifier or authenticator is another request.
        #expect(cache.lookup(try key(1, port: 5001), now: start) == .miss)
        #expect(cache.lookup(try key(2), now: start) == .miss)
        // Expired entries go as new ones arrive.
        let second = try key(2)
        cache.begin(second)
        cache.finish(second, reply: [4], now: start + .seconds(31))
        #expect(cache.count == 1)
    }

    @Test func abandonedRequestsAreNewAgain() throws {
        var cache = RADIUSDuplicateCache(window: .seconds(30), capacity: 10)
        let first = try key(1)
        cache.begin(first)
        cache.abandon(first)
        #expect(cache.lookup(first, now: .now()) == .miss)
    }

    @Test func capacityEvictsTheOldest() throws {
        var cache = RADIUSDuplicateCache(window: .seconds(30), capacity: 3)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        for id in 0..<5 {
            let key = try key(UInt8(id))
            cache.begin(key)
            cache.finish(key, reply: [UInt8(id)], now: start + .milliseconds(Int64(id)))
        }
        #expect(cache.count == 3)
        #expect(cache.lookup(try key(0), now: start + .seconds(1)) == .miss)
        #expect(cache.lookup(try key(1), now: start + .seconds(1)) == .miss)
        #expect(cache.lookup(try key(4), now: start + .seconds(1)) == .answered([4]))
        // Storing a key again keeps only its newest reply, and the older queue entry evicts nothing.
        let again = try key(2)
        cache.finish(again, reply: [22], now: start + .seconds(2))
        #expect(cache.lookup(again, now: start + .seconds(2)) == .answered([22]))
        #expect(cache.count == 3)
    }
}
