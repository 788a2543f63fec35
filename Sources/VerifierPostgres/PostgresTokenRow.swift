import Foundation
import MasterKeys
import OTPCore
import PostgresNIO
import Verification

/// A token as a row of `tokens`: its columns in order, their binds and their decoding.
enum PostgresTokenRow {
    static let columns = #"id, kind, period, algorithm, digits, counter, last_step, "window", sync_window, failures, "#
        + "locked_at, pending_counter, pending_since, key_id, sealed, issuer, version, time_drift, user_name, resync_required"

    /// The columns qualified by a table alias (`t.id, t.kind, ...`).
    static func columns(of alias: String) -> String {
        columns.split(separator: ",").map { alias + "." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
    }

    /// The types of `bind(_:into:)`'s values, for statements prepared before their first binds are seen (a NULL
    /// period or owner would otherwise leave the type to the server's guess).
    static let types: [PostgresDataType] = [.text, .text, .int8, .text, .int8, .int8, .int8, .int8, .int8, .int8, .float8, .int8, .float8,
                                            .text, .bytea, .text, .int8, .int8, .text, .bool]

    /// Appends the 20 column values in order. Counters are unsigned 64-bit; PostgreSQL's BIGINT is signed: the bit
    /// pattern is stored.
    static func bind(_ token: VerifierToken, into bindings: inout PostgresBindings) {
        let period: Int64? = switch token.kind {
        case .hotp: nil
        case .totp(let seconds): Int64(seconds)
        }
        bindings.append(token.id)
        bindings.append(token.kind == .hotp ? "hotp" : "totp")
        bindings.append(period)
        bindings.append(token.algorithm.rawValue)
        bindings.append(Int64(token.digits))
        bindings.append(Int64(bitPattern: token.counter))
        bindings.append(token.lastTimeStep.map { Int64(bitPattern: $0) })
        bindings.append(Int64(token.window))
        bindings.append(Int64(token.syncWindow))
        bindings.append(Int64(token.failures))
        bindings.append(token.lockedAt?.timeIntervalSince1970)
        bindings.append(token.pendingResync.map { Int64(bitPattern: $0.counter) })
        bindings.append(token.pendingResync?.since.timeIntervalSince1970)
        bindings.append(token.sealedSecret.keyID)
        bindings.append(ByteBuffer(bytes: token.sealedSecret.box))
        bindings.append(token.issuer)
        bindings.append(token.version)
        bindings.append(Int64(token.timeDrift))
        bindings.append(token.user)
        bindings.append(token.resyncRequired)
    }

    /// The token in `row`'s first 20 columns.
    static func token(from row: PostgresRow) throws(VerifierError) -> VerifierToken {
        let id = try PostgresRows.text(row, 0)
        guard let algorithm = OTPAlgorithm(rawValue: try PostgresRows.text(row, 3)) else { throw .storage("token \(id) has an unknown algorithm") }
        let kind: VerifierToken.Kind = try PostgresRows.text(row, 1) == "totp" ? .totp(period: Int(try PostgresRows.int(row, 2))) : .hotp
        var token = VerifierToken(id: id, kind: kind, algorithm: algorithm, digits: Int(try PostgresRows.int(row, 4)),
                                  counter: UInt64(bitPattern: try PostgresRows.int(row, 5)), window: Int(try PostgresRows.int(row, 7)),
                                  syncWindow: Int(try PostgresRows.int(row, 8)),
                                  sealedSecret: SealedSecret(keyID: try PostgresRows.text(row, 13), box: try PostgresRows.bytes(row, 14)),
                                  issuer: try PostgresRows.optionalText(row, 15))
        token.lastTimeStep = try PostgresRows.optionalInt(row, 6).map { UInt64(bitPattern: $0) }
        token.failures = Int(try PostgresRows.int(row, 9))
        token.lockedAt = try PostgresRows.optionalDouble(row, 10).map { Date(timeIntervalSince1970: $0) }
        if let pending = try PostgresRows.optionalInt(row, 11), let since = try PostgresRows.optionalDouble(row, 12) {
            token.pendingResync = .init(counter: UInt64(bitPattern: pending), since: Date(timeIntervalSince1970: since))
        }
        token.version = try PostgresRows.int(row, 16)
        token.timeDrift = Int(try PostgresRows.int(row, 17))
        token.user = try PostgresRows.optionalText(row, 18)
        token.resyncRequired = try PostgresRows.bool(row, 19)
        return token
    }
}
