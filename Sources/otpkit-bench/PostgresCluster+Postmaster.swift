import Foundation
import TestSupport

extension PostgresCluster {
    /// The server's main process (its backends are its children), from `postmaster.pid`; nil when it is not running.
    var postmaster: Int32? {
        (try? String(contentsOfFile: folder + "/data/postmaster.pid", encoding: .utf8))
            .flatMap { $0.split(separator: "\n").first }.flatMap { Int32($0) }
    }
}
