import ArgumentParser
import Foundation
import Verification

struct VerifierVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a code; exit 0 when accepted, 1 when refused (2: the database failed, 5: the master key is missing or wrong).",
        discussion: """
        Give exactly one of --token (that token's code) or --user (a login: the code is checked against every token \
        the user owns; with a PIN set by `set-pin`, the password is the PIN followed by the code). A token whose user \
        has a PIN takes the PIN followed by the code by --token too: the code alone is refused. A refused login \
        says only `refused`, whatever the cause (unknown user, wrong PIN, wrong code, replay, locked token), as a \
        RADIUS client would learn it.

        Give the code as - to read it from standard input (keeps a PIN out of the process list), or --stdin to \
        check one code a line, printing `accepted` or `refused` for each as soon as it is durable.

        --json prints the decision as an object: `accepted`, and `counter` when accepted (with `token`, the one \
        that matched, for --user); a refusal by --token has its `reason` (`wrong_code`, `replay`, ...), a refused \
        login none (but `resync_started`, as the text says); with --stdin, one such line per code.

        Examples:
          otpkit verifier verify --token 10000001-0 755224
          echo 1234755224 | otpkit verifier verify --user alice -
        """)

    @OptionGroup var verifier: VerifierOptions
    @Option(name: .long, help: ArgumentHelp("The token's id (as imported: the serial, with -SLOT for tokens with slots).", valueName: "id"))
    var token: String?
    @Option(name: .long, help: ArgumentHelp("A user: checks the code against each token they own.", valueName: "name"))
    var user: String?
    @Argument(help: "The code (for a user with a PIN, by --user or one of their tokens by --token: PIN followed by code), or - to read it from standard input.") var code: String?
    @Flag(name: .long, help: "Read codes from standard input, one a line.") var stdin = false
    @Flag(name: .long, help: "Print JSON (with --stdin, one line per code).") var json = false

    func validate() throws {
        guard (token == nil) != (user == nil) else { throw ValidationError("give exactly one of --token ID and --user NAME") }
        guard stdin != (code != nil) else { throw ValidationError("give a code (or - to read it from standard input) or --stdin") }
    }

    /// One check's decision: its JSON, and the line the person at the terminal reads.
    private struct Decision: Encodable {
        let accepted: Bool
        var token: String?
        var counter: UInt64?
        var reason: String?
        var text: String

        enum CodingKeys: String, CodingKey { case accepted, token, counter, reason }
    }

    func run() async throws {
        try await reportingFailures {
            let verifier = try await verifier.open()
            if stdin {
                while let line = readLine() {
                    let decision = try await check(line.trimmingCharacters(in: .whitespaces), with: verifier)
                    emit(try json ? jsonLine(decision) : decision.accepted ? "accepted" : "refused")
                }
                return
            }
            var given = code ?? ""
            if given == "-" {
                guard let line = readLine() else { throw CLIFailure("no code on standard input", code: .usage) }
                given = line.trimmingCharacters(in: .whitespaces)
            }
            let decision = try await check(given, with: verifier)
            if json { try printJSON(decision) } else { print(decision.text) }
            if !decision.accepted { throw ExitCode(CLIFailure.Code.refused.rawValue) }
        }
    }

    private func check(_ code: String, with verifier: Verifier) async throws -> Decision {
        if let token {
            switch try await verifier.verify(tokenID: token, code: code) {
            case .accepted(let counter): return Decision(accepted: true, counter: counter, text: "accepted (counter \(counter))")
            case .rejected(let reason):
                return Decision(accepted: false, reason: reason.rawValue, text: "refused (\(reason.rawValue.replacingOccurrences(of: "_", with: " ")))")
            }
        }
        let login = try await verifier.verify(user: user ?? "", password: code)
        switch login.outcome {
        case .accepted(let counter):
            return Decision(accepted: true, token: login.tokenID, counter: counter, text: "accepted (token \(login.tokenID ?? "?"), counter \(counter))")
        // Only a right code beyond the look-ahead window gets here, so saying so tells nothing a guesser could use.
        case .rejected(.resyncStarted):
            return Decision(accepted: false, reason: RejectionReason.resyncStarted.rawValue,
                            text: "refused (the code is ahead of the token's counter: verify the next code to resynchronise)")
        case .rejected: return Decision(accepted: false, text: "refused")
        }
    }
}
