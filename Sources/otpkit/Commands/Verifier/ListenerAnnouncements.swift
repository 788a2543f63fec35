import Foundation
import PrivateFiles
import ServiceManager
import Synchronization

/// What `serve` tells scripts once it can be reached: the bound addresses on standard output, one line each in the
/// documented order (`listening on` for HTTP first, then `metrics listening on`, then `radius listening on`), printed
/// together when the last listener is bound, just after the ready file was written (a script that saw a line finds
/// the file).
///
/// The ready file (`--ready-file PATH`) is JSON with every bound address, `{"http":"HOST:PORT","metrics":...,
/// "radius":...}` (a listener not asked for is absent), written atomically with mode 0600 once all of them are bound.
/// One left by an earlier run is removed before the server starts, and the file is removed again when the server
/// stops, so it never names a port nobody listens on (unless the server was killed with SIGKILL).
///
/// `then` runs after the lines were printed (`serve` tells systemd it is ready there).
final class ListenerAnnouncements: Sendable {
    enum Listener: String, CaseIterable, Sendable {
        case http, metrics, radius

        /// The line's start on standard output.
        var linePrefix: String {
            switch self {
            case .http: "listening on "
            case .metrics: "metrics listening on "
            case .radius: "radius listening on "
            }
        }
    }

    private let expected: Set<Listener>
    private let readyFile: String?
    private let then: @Sendable ([Listener: String]) -> Void
    private let bound = Mutex<[Listener: String]>([:])

    /// Removes a ready file left by an earlier run.
    init(expecting expected: Set<Listener>, readyFile: String?, then: @escaping @Sendable ([Listener: String]) -> Void = { _ in }) throws {
        self.expected = expected
        self.readyFile = readyFile
        self.then = then
        if let readyFile, unlink(readyFile) != 0, errno != ENOENT {
            throw CLIFailure("cannot remove the old ready file \(readyFile): \(String(cString: strerror(errno)))", code: .usage)
        }
        if let readyFile {
            do { try PrivateFile.checkWritable(readyFile) } catch { throw CLIFailure("--ready-file: \(error)", code: .usage) }
        }
    }

    /// Notes a bound listener; the last one writes the ready file and prints every line.
    func bound(_ listener: Listener, at address: String) {
        let complete = bound.withLock { bound -> [Listener: String]? in
            guard bound[listener] == nil else { return nil }
            bound[listener] = address
            return Set(bound.keys) == expected ? bound : nil
        }
        guard let complete else { return }
        defer {
            for listener in Listener.allCases {
                if let address = complete[listener] { Self.printLine(listener.linePrefix + address) }
            }
            then(complete)
        }
        guard let readyFile else { return }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let json = try encoder.encode(Dictionary(uniqueKeysWithValues: complete.map { ($0.key.rawValue, $0.value) }))
            try PrivateFile.write(Array(json) + [UInt8(ascii: "\n")], to: readyFile)
        } catch {
            try? FileHandle.standardError.write(contentsOf: Data("otpkit: cannot write the ready file: \(error)\n".utf8))
        }
    }

    /// Removes the ready file (the server stopped).
    func withdraw() {
        if let readyFile { unlink(readyFile) }
    }

    /// A line on stdout that never traps: a supervisor that stopped reading must not take the server down. On the
    /// journal it carries the priority `<6>` (information), and is otherwise the same.
    static func printLine(_ line: String) {
        try? FileHandle.standardOutput.write(contentsOf: Data(JournalStream.standardOutput.format(line + "\n", priority: .info).utf8))
    }
}
