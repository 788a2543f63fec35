import MasterKeys
import Provisioning

/// The provisioning journal's reader: a journal file's bytes parsed, its records derived and the committed seeds
/// opened under a fixed key (the corpus's journals are sealed under it, so mutants reach the opening path).
enum JournalFuzzing {
    static let keyring = MasterKeyring(current: try! MasterKey(bytes: Array(repeating: 0x4b, count: 32)))

    static func run(_ input: [UInt8]) {
        let contents = SeedJournalContents(parsing: input)
        _ = contents.records
        _ = contents.committedSeeds(keyring: keyring).problems
    }
}
