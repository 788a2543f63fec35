import Foundation

/// What the servers spent on a load, read before and after it: the otpkit nodes' CPU, the PostgreSQL backends' CPU
/// (when there is a PostgreSQL server) and the nodes' database round trips. Per request, these tell where a
/// difference between two loads comes from even on a machine busy with other work.
struct ServerCost {
    var nodeCPU: Double
    var databaseCPU: Double
    /// The load client's CPU: this process (the RADIUS client) and its ended children (wrk).
    var clientCPU: Double
    var machine: (busy: Double, total: Double)
    var roundTrips: DatabaseRoundTrips

    init(_ nodes: [VerifierNode], postmaster: Int32?) {
        nodeCPU = nodes.map { ProcessCPU.seconds($0.process.processIdentifier) }.reduce(0, +)
        databaseCPU = postmaster.map(ProcessCPU.childrenSeconds) ?? 0
        let own = ProcessCPU.ownAndChildren()
        clientCPU = own.own + own.children
        machine = ProcessCPU.machine()
        roundTrips = DatabaseRoundTrips(nodes)
    }

    /// `; CPU per request: otpkit 512 us, PostgreSQL 300 us, client 80 us; machine 97% busy; 3.00 statements per
    /// request, ...` since `earlier`.
    /// `roundTrips`: whether to add the nodes' own count of statements (a caller printing them already says false).
    func perRequest(since earlier: ServerCost, requests: Double, postgres: Bool, roundTrips withRoundTrips: Bool = true) -> String {
        guard requests > 0 else { return "" }
        var text = String(format: "\n                CPU per request: otpkit %.0f us", (nodeCPU - earlier.nodeCPU) / requests * 1e6)
        if postgres { text += String(format: ", PostgreSQL %.0f us", (databaseCPU - earlier.databaseCPU) / requests * 1e6) }
        text += String(format: ", load client %.0f us", (clientCPU - earlier.clientCPU) / requests * 1e6)
        let total = machine.total - earlier.machine.total
        if total > 0 { text += String(format: "; machine %.0f%% busy (all its work)", (machine.busy - earlier.machine.busy) / total * 100) }
        return text + (withRoundTrips ? roundTrips.perRequest(since: earlier.roundTrips, requests: requests) : "")
    }
}
