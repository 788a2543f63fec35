import Foundation

/// Standard output that is not the JSON a test expected, shown whole with the command's standard error.
public struct UnexpectedOutput: Error, CustomStringConvertible {
    public let description: String
}

extension ProcessResult {
    /// Standard output as the `T` a command run with `--json` printed: one JSON value.
    public func json<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try Self.decode(T.self, Data(stdout.utf8), in: self)
    }

    /// Standard output as JSON Lines, each line a `T`.
    public func jsonLines<T: Decodable>(_ type: T.Type = T.self) throws -> [T] {
        try stdout.split(separator: "\n").map { try Self.decode(T.self, Data($0.utf8), in: self) }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ data: Data, in result: ProcessResult) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw UnexpectedOutput(description: "not \(T.self) JSON (\(error))\nstdout: \(result.stdout)\nstderr: \(result.stderr)")
        }
    }
}
