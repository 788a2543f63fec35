import ArgumentParser
import Foundation

/// Where a benchmark's processes run (`--cpus`): the otpkit nodes, PostgreSQL and the load client each on a CPU set of
/// their own, so that on a machine with many cores two and four nodes show how they scale, not how they share.
///
/// `NODES/POSTGRES/CLIENT`, each a list of CPUs such as `0-3,8` (`--cpus 0-3/4-5/6-7`); the nodes' CPUs are shared out
/// among the nodes, a part each when there are enough. `auto` splits the CPUs this process may use: half for the
/// nodes, a quarter each for PostgreSQL and the client.
struct CPUPlan: ExpressibleByArgument, CustomStringConvertible {
    var nodes: [Int32]
    var postgres: [Int32]
    var client: [Int32]

    init?(argument: String) {
        if argument == "auto" {
            let usable = CPUAffinity.usable()
            guard usable.count >= 3 else { return nil }
            let quarter = max(1, usable.count / 4)
            client = Array(usable.suffix(quarter))
            postgres = Array(usable.dropLast(quarter).suffix(quarter))
            nodes = Array(usable.dropLast(2 * quarter))
            return
        }
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false).map { Self.cpus(in: String($0)) }
        guard parts.count == 3, let nodes = parts[0], let postgres = parts[1], let client = parts[2] else { return nil }
        (self.nodes, self.postgres, self.client) = (nodes, postgres, client)
    }

    static var defaultValueDescription: String { "none (the scheduler places everything)" }

    var description: String {
        "nodes on CPUs \(Self.list(nodes)), PostgreSQL on \(Self.list(postgres)), load client on \(Self.list(client))"
    }

    /// The CPUs of node `index` of `count`: a part of the nodes' set each when it has a CPU for every node, else all of it.
    func cpus(ofNode index: Int, of count: Int) -> [Int32] {
        guard nodes.count >= count else { return nodes }
        let share = nodes.count / count
        return Array(nodes[index * share..<(index + 1) * share])
    }

    /// `0-3,8` as [0, 1, 2, 3, 8]; nil when it is not such a list.
    static func cpus(in text: String) -> [Int32]? {
        var cpus: [Int32] = []
        for range in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = range.split(separator: "-", omittingEmptySubsequences: false).map { Int32($0) }
            guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil, 0 <= low, low <= high, high < 1024 else {
                return nil
            }
            cpus += Array(low...high)
        }
        return cpus.isEmpty ? nil : cpus
    }

    static func list(_ cpus: [Int32]) -> String { cpus.map(String.init).joined(separator: ",") }

    /// What a refused `--cpus` says.
    static let help = ArgumentHelp(
        "Pin the nodes, PostgreSQL and the load client to CPU sets of their own: NODES/POSTGRES/CLIENT (such as 0-3/4-5/6-7), or auto.",
        discussion: "auto needs at least 3 usable CPUs: half go to the nodes, a quarter each to PostgreSQL and the load client.",
        valueName: "cpus")
}
