import ArgumentParser
import Foundation
import Verification

/// Which user a command works on.
struct UserNameOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The user's name, as logins give it (compared exactly, after Unicode NFC normalisation; a realm such as alice@corp is part of it).", valueName: "name"))
    var user: String
}

struct VerifierAssignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Give a token to a user: their logins (RADIUS, PAM, verify --user) then accept its codes.",
        discussion: """
        A token has at most one user; assigning it again moves it. A user may own several tokens: a login is checked \
        against each of them. A seed file's user (PSKC UserId, seed JSON "user") assigns on import.

        Example:
          otpkit verifier assign --token 10000001-0 --user alice
        """)

    @OptionGroup var verifier: VerifierOptions
    @OptionGroup var tokenOption: TokenIDOption
    @OptionGroup var userOption: UserNameOption

    func run() async throws {
        try await reportingFailures {
            let opened = try await verifier.open()
            try await opened.administration.assign(tokenID: tokenOption.token, to: userOption.user)
            let owner = try await opened.administration.token(id: tokenOption.token)?.user ?? userOption.user
            print("Token \(tokenOption.token) belongs to user \(owner).")
        }
    }
}

struct VerifierUnassignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unassign",
        abstract: "Take a token from its user: it is then verified by its id only.")

    @OptionGroup var verifier: VerifierOptions
    @OptionGroup var tokenOption: TokenIDOption

    func run() async throws {
        try await reportingFailures {
            try await verifier.open().administration.unassign(tokenID: tokenOption.token)
            print("Token \(tokenOption.token) belongs to no user.")
        }
    }
}
