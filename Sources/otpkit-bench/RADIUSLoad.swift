import NIOCore
import NIOPosix
import RADIUS

/// The benchmark's own RADIUS load client: `lanes` requests outstanding in all (each lane one NAS port, one request
/// at a time), split evenly over the nodes, each lane over its own share of that node's users.
enum RADIUSLoad {
    /// A node to load and the users whose tokens its lanes walk (no user is given to two nodes).
    struct Target: Sendable {
        let port: Int
        let users: [String]
        /// Each user's next code (their token's counter), parallel to `users`.
        let nextCodes: [Int]
    }

    struct Result: Sendable {
        let figures: LoadFigures
        let tally: RADIUSLaneTally

        /// `accept 1000, reject 0, challenge 0, timeouts 0, retransmits 0`, and any bad replies or socket errors.
        var counts: String {
            "accept \(tally.accepts), reject \(tally.rejects), challenge \(tally.challenges), timeouts \(tally.timeouts), "
                + "retransmits \(tally.retransmits)"
                + (tally.badReplies > 0 ? ", replies failing verification \(tally.badReplies)" : "")
                + (tally.socketErrors > 0 ? ", socket errors \(tally.socketErrors)" : "")
        }
    }

    static func run(targets: [Target], lanes: Int = 16, codes: [String], secret: RADIUSSharedSecret,
                    duration: TimeAmount = .seconds(10), retransmitAfter: TimeAmount = .seconds(1)) throws -> Result {
        // Two threads, as wrk gets for the HTTP figure.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let lanesPerTarget = max(1, lanes / targets.count)
        let start = NIODeadline.now()
        var results: [EventLoopFuture<RADIUSLaneTally>] = []
        var channels: [any Channel] = []
        defer { for channel in channels { channel.close(promise: nil) } }
        for target in targets {
            let server = try SocketAddress(ipAddress: "127.0.0.1", port: target.port)
            let share = target.users.count / lanesPerTarget
            precondition(share > 0, "fewer users than lanes")
            for lane in 0..<lanesPerTarget {
                let slice = (lane * share)..<((lane + 1) * share)
                let plan = RADIUSLoadLane.Plan(server: server, users: Array(target.users[slice]), nextCodes: Array(target.nextCodes[slice]),
                                               codes: codes, secret: secret, until: start + duration, retransmitAfter: retransmitAfter)
                let eventLoop = group.next()
                let done = eventLoop.makePromise(of: RADIUSLaneTally.self)
                results.append(done.futureResult)
                channels.append(try DatagramBootstrap(group: eventLoop)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(RADIUSLoadLane(plan: plan, done: done))
                        }
                    }
                    .bind(host: "127.0.0.1", port: 0)
                    .wait())
            }
        }
        let tallies = try results.map { try $0.wait() }
        var total = RADIUSLaneTally()
        for tally in tallies {
            total.latencies += tally.latencies
            total.accepts += tally.accepts
            total.rejects += tally.rejects
            total.challenges += tally.challenges
            total.timeouts += tally.timeouts
            total.retransmits += tally.retransmits
            total.badReplies += tally.badReplies
            total.staleReplies += tally.staleReplies
            total.socketErrors += tally.socketErrors
            total.finished = max(total.finished, tally.finished)
        }
        total.latencies.sort()
        let seconds = Double((total.finished - start).nanoseconds) / 1e9
        let answered = Double(total.latencies.count)
        // A request that timed out counts as sent and not accepted.
        let figures = LoadFigures(requests: answered + Double(total.timeouts), rate: seconds > 0 ? answered / seconds : 0, p50: percentile(total.latencies, 50),
                                  p99: percentile(total.latencies, 99), accepted: Double(total.accepts))
        return Result(figures: figures, tally: total)
    }
}
