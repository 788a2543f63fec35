import ArgumentParser

/// `otpkit-bench cluster`, what `make bench-cluster` runs.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Durable verify requests over HTTP from wrk: SQLite one node, PostgreSQL one and two nodes.",
        discussion: """
        The HOTP part first (as `hotp`), then `otpkit verifier serve` processes (the release build of otpkit, built \
        first by `make bench-cluster`) on loopback, loaded by wrk at 16 and at 64 connections, every request the next \
        valid code of its token (so each is a committed decision): requests per second, p50 and p99, commits per \
        second and, on PostgreSQL (a throwaway cluster of its own), commits and statements per accepted verify from \
        the database's own statistics, and the CPU each request cost the nodes, PostgreSQL and the load client. The \
        anchor is the disk's fdatasync rate (4 KiB overwrite + fdatasync) measured first in the same folder. With \
        --cpus, the nodes, PostgreSQL and the load client run on CPU sets of their own, so that `--nodes 1 2 4` shows \
        how nodes scale on a machine with the cores. Needs wrk; PostgreSQL's server binaries unless --sqlite-only.
        """)

    @Flag(help: "Measure the embedded SQLite store alone (no PostgreSQL).")
    var sqliteOnly = false

    @Option(parsing: .upToNextOption, help: ArgumentHelp("How many nodes share the PostgreSQL database, a run for each (such as 1 2 4).", valueName: "count"))
    var nodes = [1, 2]

    @Option(help: CPUPlan.help)
    var cpus: CPUPlan?

    func validate() throws {
        guard !nodes.isEmpty, nodes.allSatisfy({ (1...64).contains($0) }) else { throw ValidationError("--nodes takes counts from 1 to 64") }
    }

    func run() async throws {
        try await ClusterBenchmark.run(sqliteOnly: sqliteOnly, postgresNodes: nodes, cpus: cpus)
    }
}
