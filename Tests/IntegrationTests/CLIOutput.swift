import TestSupport

/// What `otpkit` commands print with `--json`, declared here as a script would read it (not the CLI's own types), so
/// a renamed or dropped field fails the tests.
enum CLIOutput {
    /// `devices --json`: one entry a token.
    struct Device: Decodable {
        let address: String
        let family: String
        let vendorID: String
        let productID: String
        let serial: String?
        let busy: Bool
    }

    /// `info --json` on an OpenHOTP token.
    struct OpenHOTPInfo: Decodable {
        let address: String
        let device: Device
        let slots: [Slot]

        struct Device: Decodable {
            let serial: UInt32
            let pinSet: Bool
            let pinLocked: Bool
            let pinRetries: Int
        }

        struct Slot: Decodable {
            let slot: Int
            let programmed: Bool
            let name: String?
            let counter: UInt64?
        }
    }

    /// `info --json` on a YubiKey.
    struct YubiKeyInfo: Decodable {
        let address: String
        let family: String
        let serial: String
        let slots: [Slot]

        struct Slot: Decodable, Equatable {
            let slot: Int
            let programmed: Bool
        }
    }

    /// `info --json` on a Nitrokey: its HOTP slots, `nil` where empty.
    struct NitrokeyInfo: Decodable {
        let address: String
        let family: String
        let status: Status
        let adminRetries: Int
        let slots: [Slot?]

        struct Status: Decodable {
            let serial: UInt32
        }

        struct Slot: Decodable {
            let slot: Int
            let name: String
            let digits: Int
            let counter: UInt64
        }
    }

    /// `program --json`.
    struct Program: Decodable {
        let address: String
        let serial: String
        let slot: Int
        let summary: String
        let seedFile: String?
    }

    /// `touch --json` on an OpenHOTP token.
    struct Code: Decodable {
        let slot: Int
        let counter: UInt64
        let code: String
    }

    /// `verifier list --json`: one entry a token.
    struct Token: Decodable {
        let id: String
        let counter: UInt64
        let user: String?
        let timeDrift: Int?
    }

    /// `verifier verify --json` (a line of it with `--stdin`).
    struct Decision: Decodable, Equatable {
        let accepted: Bool
        var token: String?
        var counter: UInt64?
        var reason: String?
    }

    /// `verifier import --json`.
    struct Import: Decodable {
        let imported: [String]
        let assigned: [String: String]
        let skipped: [String]
    }

    /// `verifier radius-clients list --json`: one entry a client.
    struct RADIUSClient: Decodable {
        let name: String
        let address: String
        let messageAuthenticator: String
        let created: String
    }
}

/// `otpkit provision --json`: a line per token, a line per seed pushed, the summary, and why the batch stopped.
struct ProvisionOutput {
    struct Event: Decodable {
        let token: String
        let serial: String
        let family: String
        let slot: Int?
        let outcome: String
        let detail: String?
    }

    struct Push: Decodable {
        let push: String
        let outcome: String
        let status: String?
        let code: String?
    }

    /// The summary's counts for this run.
    struct Tally: Decodable, Equatable {
        var done = 0, skipped = 0, failed = 0, uncertain = 0, otherFamily = 0
    }

    /// The summary's counts of the whole journal.
    struct Journal: Decodable, Equatable {
        let committed: Int
        let uncertain: Int
    }

    private enum Line: Decodable {
        case event(Event), push(Push), summary(String, Tally, Journal), stopped(String)

        private enum Key: String, CodingKey { case token, push, summary, journal, stopped }

        init(from decoder: any Decoder) throws {
            let keys = try decoder.container(keyedBy: Key.self)
            if keys.contains(.token) {
                self = .event(try Event(from: decoder))
            } else if keys.contains(.push) {
                self = .push(try Push(from: decoder))
            } else if keys.contains(.summary) {
                let text = try keys.decode(String.self, forKey: .summary)
                self = .summary(text, try Tally(from: decoder), try keys.decode(Journal.self, forKey: .journal))
            } else {
                self = .stopped(try keys.decode(String.self, forKey: .stopped))
            }
        }
    }

    private(set) var events: [Event] = []
    private(set) var pushes: [Push] = []
    /// The summary: its line for a person, its counts.
    private(set) var summary: String?
    private(set) var tally: Tally?
    private(set) var journal: Journal?
    private(set) var stopped: String?

    /// Reads every line of standard output; one that is not JSON of these kinds throws.
    init(_ result: ProcessResult) throws {
        for line in try result.jsonLines(Line.self) {
            switch line {
            case .event(let event): events.append(event)
            case .push(let push): pushes.append(push)
            case .summary(let text, let tally, let journal): (summary, self.tally, self.journal) = (text, tally, journal)
            case .stopped(let reason): stopped = reason
            }
        }
    }

    var outcomes: [String] { events.map(\.outcome) }
}
