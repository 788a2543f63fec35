import Foundation
import PostgresNIO
import Verification

/// Reading columns of result rows, with a clear error for a row that is not what the schema says.
enum PostgresRows {
    static func cell(_ row: PostgresRow?, _ column: Int) throws(VerifierError) -> PostgresCell {
        guard let row, column < row.count else { throw .storage("PostgreSQL: missing column \(column) in a result") }
        return row[row.index(row.startIndex, offsetBy: column)]
    }

    static func decode<T: PostgresDecodable>(_ type: T.Type, _ row: PostgresRow?, _ column: Int) throws(VerifierError) -> T {
        let cell = try cell(row, column)
        do { return try cell.decode(T.self) } catch {
            throw .storage("PostgreSQL: column \(cell.columnName) is not a \(T.self)")
        }
    }

    static func int(_ row: PostgresRow?, _ column: Int) throws(VerifierError) -> Int64 { try decode(Int64.self, row, column) }
    static func optionalInt(_ row: PostgresRow?, _ column: Int) throws(VerifierError) -> Int64? { try decode(Int64?.self, row, column) }
    static func text(_ row: PostgresRow?, _ column: Int) throws(VerifierError) -> String { try decode(String.self, row, column) }
    static func optionalText(_ row: PostgresRow?, _ column: Int) throws(VerifierError) -> String? { try decode(String?.self, row, column) }
    static func double(_ row: PostgresRow?, _ column: Int) throws(VerifierError) -> Double { try decode(Double.self, row, column) }
    static func optionalDouble(_ row: PostgresRow?, _ column: Int) throws(VerifierError) -> Double? { try decode(Double?.self, row, column) }
    static func bool(_ row: PostgresRow?, _ column: Int) throws(VerifierError) -> Bool { try decode(Bool.self, row, column) }
    static func bytes(_ row: PostgresRow?, _ column: Int) throws(VerifierError) -> [UInt8] {
        let buffer = try decode(ByteBuffer.self, row, column)
        return Array(buffer.readableBytesView)
    }
}

extension Optional {
    /// The value a statement must return (an id it made, a count), or a storage error when it returned no row.
    func orMissingRow() throws(VerifierError) -> Wrapped {
        guard let self else { throw .storage("PostgreSQL: missing row in a result") }
        return self
    }
}

extension PostgresBindings {
    /// The binds of a statement keyed by one text (an id, a user name).
    static func one(_ text: String) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(text)
        return bindings
    }
}
