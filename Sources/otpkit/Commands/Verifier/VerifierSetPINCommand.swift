import ArgumentParser
import Foundation
import Verification

struct VerifierSetPINCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-pin",
        abstract: "Set or remove a user's PIN: their login password becomes the PIN followed by the code.",
        discussion: """
        The PIN is read from the first line of --pin-file (- for standard input) or typed at the terminal (not echoed, \
        asked twice); never from the command line, where the process list would show it. It is stored as a salted \
        PBKDF2-SHA256 hash; a wrong PIN counts as a failure of the user's tokens and looks like a wrong code. The user \
        must own a token first (`otpkit verifier assign`). PINs are 1 to 64 bytes.

        Examples:
          otpkit verifier set-pin --user alice                  # asks twice
          otpkit verifier set-pin --user alice --pin-file pin.txt
          otpkit verifier set-pin --user alice --remove
        """)

    @OptionGroup var verifier: VerifierOptions
    @OptionGroup var userOption: UserNameOption
    @Option(name: .long, help: ArgumentHelp("Read the PIN from the first line of this file (- for standard input).", valueName: "path"))
    var pinFile: String?
    @Flag(name: .long, help: "Remove the PIN: the password is the code alone again.") var remove = false

    func validate() throws {
        guard !(remove && pinFile != nil) else { throw ValidationError("--remove takes no --pin-file") }
    }

    func run() async throws {
        try await reportingFailures {
            let opened = try await verifier.open()
            if remove {
                try await opened.administration.setPIN(nil, user: userOption.user)
                print("User \(userOption.user) has no PIN: the password is the code alone.")
                return
            }
            try await opened.administration.setPIN(try readPIN(), user: userOption.user)
            print("PIN set for user \(userOption.user): the password is now the PIN followed by the code.")
        }
    }

    private func readPIN() throws -> String {
        if let pinFile {
            let text: String?
            if pinFile == "-" {
                text = readLine(strippingNewline: true)
            } else {
                guard let contents = try? String(contentsOfFile: pinFile, encoding: .utf8) else {
                    throw CLIFailure("cannot read the PIN file \(pinFile)", code: .usage)
                }
                text = contents.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
            }
            let pin = text.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 } ?? ""
            guard !pin.isEmpty else { throw CLIFailure("the first line of \(pinFile == "-" ? "standard input" : pinFile) holds no PIN", code: .usage) }
            warnIfReadableByOthers(pinFile, holding: "a PIN")
            return pin
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CLIFailure("give the PIN with --pin-file PATH (- for standard input), or run set-pin at a terminal to type it", code: .usage)
        }
        let first = getpass("New PIN for \(userOption.user): ").map { String(cString: $0) } ?? ""
        guard !first.isEmpty else { throw CLIFailure("no PIN typed; nothing changed", code: .usage) }
        let second = getpass("The same PIN again: ").map { String(cString: $0) } ?? ""
        guard first == second else { throw CLIFailure("the two PINs differ; nothing changed", code: .usage) }
        return first
    }
}
