import MasterKeys
import Verification

extension VerifierOptions {
    /// Where this database's master key is kept, as a person is told to keep it apart from a backup: the key file's
    /// path, or the environment variable that holds it.
    var masterKeyLocation: String {
        if nonEmptyEnvironment(MasterKeyFile.environmentVariable) != nil { return MasterKeyFile.environmentVariable }
        return (try? keyFilePath) ?? "the master key file"
    }

    /// Whether the master keys found for this database (key file or environment) hold `id`; nil when none can be read.
    func masterKeysHold(_ id: String) -> Bool? {
        guard let keyring = try? MasterKeyFile.load(path: try keyFilePath, creating: .refused).keyring else { return nil }
        return ([keyring.current] + keyring.older).contains { $0.id == id }
    }
}
