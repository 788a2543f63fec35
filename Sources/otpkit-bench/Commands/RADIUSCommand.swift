import ArgumentParser

/// `otpkit-bench radius`, what `make bench-radius` runs.
struct RADIUSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radius",
        abstract: "Durable RADIUS logins beside the HTTP figure of the same nodes and the disk's fdatasync rate.",
        discussion: """
        otpkit-bench's own RADIUS load client against `otpkit verifier serve --radius-listen` (the release build): \
        each request the next code of its user's token, with Message-Authenticator, every reply's authenticators \
        checked, a lost request resent once after 1 s; wrk for HTTP on the same nodes. On SQLite (one node) and on \
        nodes sharing a throwaway PostgreSQL cluster (two; --nodes), loads in the order HTTP, RADIUS, RADIUS, HTTP. The anchor is \
        the disk's own rate of 4 KiB writes with fdatasync in the databases' folder; printed are each figure, the \
        ratios RADIUS/HTTP, RADIUS/fdatasync and HTTP/fdatasync, and the CPU each request cost the nodes, PostgreSQL \
        and the load client, and on PostgreSQL the statements per request the database counted (pg_stat_statements). \
        With --cpus, the nodes, PostgreSQL and the load client run on CPU sets of their own (on a machine with the \
        cores for it), so that `--nodes 2 4` shows how nodes scale. Needs wrk and PostgreSQL's server binaries.
        """)

    @Option(help: "Requests outstanding at once, RADIUS and HTTP alike.")
    var outstanding = 16

    @Option(help: ArgumentHelp("How long each load runs.", valueName: "seconds"))
    var seconds = 10

    @Option(parsing: .upToNextOption, help: ArgumentHelp("How many nodes share the PostgreSQL database, a run for each (such as 2 4).", valueName: "count"))
    var nodes = [2]

    @Option(help: CPUPlan.help)
    var cpus: CPUPlan?

    func validate() throws {
        guard outstanding > 0 else { throw ValidationError("--outstanding must be at least 1") }
        guard !nodes.isEmpty, nodes.allSatisfy({ (1...64).contains($0) }) else { throw ValidationError("--nodes takes counts from 1 to 64") }
        guard seconds > 0 else { throw ValidationError("--seconds must be at least 1") }
    }

    func run() async throws {
        try await RADIUSBenchmark.run(outstanding: outstanding, seconds: seconds, postgresNodes: nodes, cpus: cpus)
    }
}
