import Foundation
import TestSupport
import TokenDrivers

/// A feature-report channel that plays a token from a script: it checks each report the driver writes against the
/// expected request and answers GET_REPORT with the scripted replies in order.
final class ScriptedChannel: FeatureReportChannel {
    struct Exchange {
        let request: [UInt8]
        var replies: [[UInt8]]
    }

    private(set) var exchanges: [Exchange]
    private(set) var mismatches: [String] = []
    private var current: Exchange?
    private(set) var writes = 0

    init(_ exchanges: [Exchange]) {
        self.exchanges = exchanges
    }

    /// Builds the script from a vector: each request with its reply, and a button press's reply as a further read.
    convenience init(vector: OpenHOTPVector) {
        var exchanges: [Exchange] = []
        for step in vector.steps {
            if let request = step.request {
                exchanges.append(Exchange(request: bytes(fromHex: request), replies: [bytes(fromHex: step.reply)]))
            } else {
                exchanges[exchanges.count - 1].replies.append(bytes(fromHex: step.reply))
            }
        }
        self.init(exchanges)
    }

    var finished: Bool { exchanges.isEmpty && (current?.replies.isEmpty ?? true) }

    func setFeatureReport(_ report: [UInt8]) throws(TransportError) {
        writes += 1
        guard !exchanges.isEmpty else {
            mismatches.append("unexpected request \(report)")
            throw .io("script exhausted")
        }
        let next = exchanges.removeFirst()
        if next.request != report {
            mismatches.append("request \(writes) differs:\n  sent     \(hex(report))\n  expected \(hex(next.request))")
        }
        current = next
    }

    func getFeatureReport(length: Int) throws(TransportError) -> [UInt8] {
        guard var exchange = current, !exchange.replies.isEmpty else { throw .io("no scripted reply") }
        let reply = exchange.replies.removeFirst()
        current = exchange
        return reply
    }

    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
