import ArgumentParser
import Foundation
import Verification

/// `otpkit verifier prune-events`: the retention of the database's event rows, which otherwise keep the newest
/// 100,000 (the audit log is the complete record).
struct VerifierPruneEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune-events",
        abstract: "Delete the event rows older than a given age.",
        discussion: """
        Every decision adds an event row (what happened to which token, never a code) to the database. Run this \
        from cron to keep only recent ones, for example `otpkit verifier prune-events --older-than 90d`.
        """)

    @OptionGroup var verifier: VerifierOptions
    @Option(name: .long, help: ArgumentHelp("The age: a number with d (days), h (hours), m (minutes) or s (seconds), such as 90d or 12h.",
                                            valueName: "duration"))
    var olderThan: EventAge

    func run() async throws {
        try await reportingFailures {
            let database = try await verifier.openDatabase()
            let cutoff = Date().addingTimeInterval(-olderThan.seconds)
            let deleted = try await database.tokens.pruneEvents(before: cutoff)
            print("Deleted \(counted(deleted, "event row")) older than \(olderThan.text).")
        }
    }
}

/// An age such as `90d`, `12h`, `30m` or `45s`.
struct EventAge: ExpressibleByArgument {
    let seconds: TimeInterval
    let text: String

    init?(argument: String) {
        let units: [Character: TimeInterval] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        guard let unit = argument.last.flatMap({ units[$0] }), let number = UInt32(argument.dropLast()) else { return nil }
        seconds = TimeInterval(number) * unit
        text = argument
    }
}
