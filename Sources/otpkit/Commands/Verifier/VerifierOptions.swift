import ArgumentParser
import Foundation
import Verifier
import VerifierStorage

/// Where the verifier's database and master key are.
struct VerifierOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite token database (created when missing).", valueName: "path"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("The master key file (default: DB.key; OTPKIT_MASTER_KEY overrides it).", valueName: "path"))
    var keyFile: String?

    var databasePath: String { db ?? nonEmptyEnvironment("OTPKIT_VERIFIER_DB") ?? "otpkit-verifier.sqlite" }
    var keyFilePath: String { keyFile ?? databasePath + ".key" }

    /// The store and keys; a key file created now is announced on stderr with how to protect it.
    func open(policy: VerifierPolicy = VerifierPolicy()) throws -> Verifier {
        let keys = try MasterKeyFile.load(path: keyFilePath)
        if let created = keys.createdPath {
            FileHandle.standardError.write(Data(("otpkit: created a new master key in \(created) (mode 0600). Keep it apart from "
                + "the database and back it up: the sealed seeds cannot be opened without it.\n").utf8))
        }
        return Verifier(store: try SQLiteTokenStore(path: databasePath), keyring: keys.keyring, policy: policy)
    }
}

/// Which token a command works on.
struct TokenIDOption: ParsableArguments {
    @Option(name: .long, help: "The token's id (as imported: the serial, with -SLOT for tokens with slots).")
    var token: String
}
