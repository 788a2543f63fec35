import ArgumentParser
import Foundation
import MasterKeys
import Verification
import VerifierStorage

struct VerifierResyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resync",
        abstract: "Resynchronise a drifted token from two consecutive codes (HOTP: up to 1000 ahead; TOTP: 500 steps either side of now).")

    @OptionGroup var verifier: VerifierOptions
    @OptionGroup var tokenOption: TokenIDOption
    @Argument(help: "The first code.") var code1: String
    @Argument(help: "The next code.") var code2: String

    func run() async throws {
        try await reportingFailures {
            switch try await verifier.open().resync(tokenID: tokenOption.token, code1: code1, code2: code2) {
            case .resynchronized(let counter): print("resynchronised: the next code is at counter \(counter)")
            case .notFound: throw CLIFailure("the two codes are not consecutive codes within the sync window", code: .refused)
            }
        }
    }
}

struct VerifierSetCounterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-counter",
        abstract: "Set a token's counter to the one read off the token (`otpkit counter`): the hard resync.")

    @OptionGroup var verifier: VerifierOptions
    @OptionGroup var tokenOption: TokenIDOption
    @Argument(help: "The counter of the token's next code.") var value: UInt64
    @Flag(name: .long, help: "Allow moving the counter back (old codes become valid again).") var force = false

    func run() async throws {
        try await reportingFailures {
            try await verifier.open().administration.setCounter(tokenID: tokenOption.token, to: value, force: force)
            print("Token \(tokenOption.token) expects counter \(value) next.")
        }
    }
}

struct VerifierUnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Unlock a token locked by failures.")

    @OptionGroup var verifier: VerifierOptions
    @OptionGroup var tokenOption: TokenIDOption

    func run() async throws {
        try await reportingFailures {
            try await verifier.open().administration.unlock(tokenID: tokenOption.token)
            print("Token \(tokenOption.token) unlocked.")
        }
    }
}

struct VerifierDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a token and its sealed secret.")

    @OptionGroup var verifier: VerifierOptions
    @OptionGroup var tokenOption: TokenIDOption

    func run() async throws {
        try await reportingFailures {
            guard try await verifier.open().administration.delete(tokenID: tokenOption.token) else {
                throw CLIFailure("no token \(tokenOption.token)", code: .refused)
            }
            print("Token \(tokenOption.token) deleted.")
        }
    }
}

struct VerifierListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List tokens, their state and their users (never secrets).",
        discussion: "With --user, only the tokens that user owns (none for an unknown user). The last column is the token's user, - when nobody owns it.")

    @OptionGroup var verifier: VerifierOptions
    @Option(name: .long, help: ArgumentHelp("Only the tokens this user owns.", valueName: "name")) var user: String?
    @Flag(name: .long, help: "Print JSON (a token's user is its `user` field).") var json = false

    func run() async throws {
        try await reportingFailures {
            let opened = try await verifier.open()
            let found = if let user { try await opened.administration.tokens(ofUser: user) } else { try await opened.administration.tokens() }
            let tokens = found.map(TokenSummary.init)
            if json { return try printJSON(tokens) }
            if tokens.isEmpty {
                print(user.map { "User \($0) owns no token. Give them one with `otpkit verifier assign --token ID --user \($0)`." }
                    ?? "No tokens. Import some with `otpkit verifier import FILE`.")
            }
            for token in tokens {
                let state = token.locked ? "LOCKED" : token.resyncRequired ? "resync required" : token.failures > 0 ? "\(token.failures) failures" : "ok"
                print("\(token.id)  \(token.kind) \(token.algorithm) \(token.digits) digits  counter \(token.counter)  \(state)  user \(token.user ?? "-")")
            }
        }
    }
}

struct VerifierRotateKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Seal every secret under a new master key, then retire the old key.",
        discussion: "The new key is written to the key file first (the old one kept after it), every secret is resealed and the database's current master key set to the new one in one transaction, and only then is the old key removed from the file. From that transaction on, a server still running with the old key refuses to import (its seals would be lost) and cannot open the resealed secrets: restart the servers that use this database with the new key file. Run it again to finish a rotation that was interrupted. Not available when the key comes from OTPKIT_MASTER_KEY.")

    @OptionGroup var verifier: VerifierOptions

    func run() async throws {
        try await reportingFailures {
            guard nonEmptyEnvironment(MasterKeyFile.environmentVariable) == nil else {
                throw CLIFailure("the master key comes from \(MasterKeyFile.environmentVariable); rotate it where it is kept", code: .usage)
            }
            let path = try verifier.keyFilePath
            let current = try await verifier.open(try await verifier.openDatabase(), check: .rotating)
            let newKey = MasterKey.generate()
            try MasterKeyFile.write([newKey, current.keyring.current] + current.keyring.older, to: path)
            let rotating = current.withKeyring(MasterKeyring(current: newKey, older: [current.keyring.current] + current.keyring.older))
            let count = try await rotating.administration.resealAll()
            try MasterKeyFile.write([newKey], to: path)
            print("Resealed \(counted(count, "token")) under master key \(newKey.id); the old key \(current.keyring.current.id) is retired.")
        }
    }
}
