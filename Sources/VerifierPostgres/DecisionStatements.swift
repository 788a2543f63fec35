import Foundation
import PostgresNIO
import Verification

/// The statements of the decision path, prepared once per connection (no parse or plan per decision on the server):
/// a token read, a login read, the compare-and-set with its event row, a refusal's event row, and the same writes
/// for a login decided on a kept user (each checking, in the same statement, that the user is still as kept).
enum DecisionStatements {
    /// One token by id.
    struct TokenByID: PostgresPreparedStatement {
        static let name = "otpkit_token_by_id"
        static let sql = "SELECT \(PostgresTokenRow.columns) FROM tokens WHERE id = $1"
        static let bindingDataTypes: [PostgresDataType] = [.text]
        let id: String

        func makeBindings() -> PostgresBindings { .one(id) }

        func decodeRow(_ row: PostgresRow) throws -> VerifierToken { try PostgresTokenRow.token(from: row) }
    }

    /// What a login by user name reads, in one statement: the user's tokens (none: one row of NULLs), the PIN, and
    /// whether any user has one.
    struct Login: PostgresPreparedStatement {
        static let name = "otpkit_login"
        static let sql = """
            SELECT \(PostgresTokenRow.columns(of: "t")), p.pin, EXISTS (SELECT 1 FROM user_pins)
            FROM (SELECT 1) AS one
            LEFT JOIN tokens t ON t.user_name = $1
            LEFT JOIN user_pins p ON p.user_name = $1
            ORDER BY t.id
            """
        static let bindingDataTypes: [PostgresDataType] = [.text]
        let user: String

        func makeBindings() -> PostgresBindings { .one(user) }

        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }

    /// The compare-and-set and its event row in one statement (one round trip, one implicit transaction): the INSERT
    /// adds a row only when the UPDATE matched; the event row's id comes back when it did. `$23`, when not NULL, is
    /// the sealed box the row must still hold (a decision's update; a reseal changes it and passes NULL).
    static let compareAndSet = """
        UPDATE tokens SET kind = $2, period = $3, algorithm = $4, digits = $5, counter = $6, last_step = $7,
            "window" = $8, sync_window = $9, failures = $10, locked_at = $11, pending_counter = $12,
            pending_since = $13, key_id = $14, sealed = $15, issuer = $16, version = version + 1, time_drift = $18,
            user_name = $19, resync_required = $20
        WHERE id = $1 AND version = $17 AND ($23::bytea IS NULL OR sealed = $23)
        """

    struct CompareAndSet: PostgresPreparedStatement {
        static let name = "otpkit_compare_and_set"
        static let sql = """
            WITH changed AS (\(compareAndSet) RETURNING id)
            INSERT INTO events (at, token, event) SELECT $21, id, $22 FROM changed RETURNING id
            """
        static let bindingDataTypes = PostgresTokenRow.types + [.float8, .text, .bytea]
        let token: VerifierToken
        let event: String
        /// Whether the row must still hold the token's sealed box.
        let sameSealedBox: Bool

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 23)
            bindCompareAndSet(token, event: event, sameSealedBox: sameSealedBox, into: &bindings)
            return bindings
        }

        /// The event row's id.
        func decodeRow(_ row: PostgresRow) throws -> Int64 { try PostgresRows.int(row, 0) }
    }

    /// The binds `$1` to `$23` of a compare-and-set with its event row: the token's row, when, what, and the sealed
    /// box the row must still hold (NULL: any).
    static func bindCompareAndSet(_ token: VerifierToken, event: String, sameSealedBox: Bool, into bindings: inout PostgresBindings) {
        PostgresTokenRow.bind(token, into: &bindings)
        bindings.append(Date().timeIntervalSince1970)
        bindings.append(event)
        bindings.append(sameSealedBox ? ByteBuffer(bytes: token.sealedSecret.box) : nil)
    }

    /// The binds of an event row that names its token (cut to 128 characters) with `$n`, `$n+1`, `$n+2`: when, which, what.
    static func bindEvent(tokenID: String, event: String, into bindings: inout PostgresBindings) {
        bindings.append(Date().timeIntervalSince1970)
        bindings.append(String(tokenID.prefix(128)))
        bindings.append(event)
    }

    /// An event row of a decision that changed no token.
    struct Event: PostgresPreparedStatement {
        static let name = "otpkit_event"
        static let sql = "INSERT INTO events (at, token, event) VALUES ($1, $2, $3) RETURNING id"
        static let bindingDataTypes: [PostgresDataType] = [.float8, .text, .text]
        let tokenID: String
        let event: String

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindEvent(tokenID: tokenID, event: event, into: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Int64 { try PostgresRows.int(row, 0) }
    }

    // MARK: Logins decided on a kept user

    /// True while `$n` (a user) owns exactly the tokens `$n+1`, has the PIN `$n+2` (NULL: none), and PINs are in use
    /// (`$n+3`) as they were when the login was kept. The tokens' versions are not compared: each token written has
    /// its own compare-and-set, and what another token of the user holds decides nothing about this one. One index
    /// scan of the user's tokens, counted rather than sorted.
    static func userUnchanged(from n: Int) -> String {
        """
        (SELECT count(*) = cardinality($\(n + 1)::text[]) AND count(*) FILTER (WHERE id = ANY($\(n + 1)::text[])) = count(*)
                FROM tokens WHERE user_name = $\(n))
            AND (SELECT pin FROM user_pins WHERE user_name = $\(n)) IS NOT DISTINCT FROM $\(n + 2)::text
            AND EXISTS (SELECT 1 FROM user_pins) = $\(n + 3)::bool
        """
    }

    static let userUnchangedTypes: [PostgresDataType] = [.text, .textArray, .text, .bool]

    /// The binds of `userUnchanged` for `login` of `user`.
    static func bindUser(_ user: UserName, as login: UserLogin, into bindings: inout PostgresBindings) {
        bindings.append(user.text)
        bindings.append(login.tokens.map(\.id))
        bindings.append(login.pin?.encoded)
        bindings.append(login.pinsInUse)
    }

    /// What a write of a login decided on a kept user answers: whether the user was unchanged (else nothing was
    /// written), and the event row's id when the write was made.
    struct LoginWrite: Sendable {
        let userUnchanged: Bool
        let event: Int64?

        init(_ row: PostgresRow) throws(VerifierError) {
            userUnchanged = try PostgresRows.bool(row, 0)
            event = try PostgresRows.optionalInt(row, 1)
        }
    }

    /// `CompareAndSet` for a login decided on a kept user: it writes only while the user is unchanged. The one row
    /// says whether the user was, and the event row's id when the token's compare-and-set matched too.
    struct LoginCompareAndSet: PostgresPreparedStatement {
        static let name = "otpkit_login_compare_and_set"
        static let sql = """
            WITH unchanged AS (SELECT \(userUnchanged(from: 24)) AS holds),
            changed AS (\(compareAndSet) AND (SELECT holds FROM unchanged) RETURNING id),
            event AS (INSERT INTO events (at, token, event) SELECT $21, id, $22 FROM changed RETURNING id)
            SELECT (SELECT holds FROM unchanged), (SELECT id FROM event)
            """
        static let bindingDataTypes = PostgresTokenRow.types + [.float8, .text, .bytea] + userUnchangedTypes
        let token: VerifierToken
        let event: String
        let user: UserName
        let login: UserLogin

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 27)
            bindCompareAndSet(token, event: event, sameSealedBox: true, into: &bindings)
            bindUser(user, as: login, into: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> LoginWrite { try LoginWrite(row) }
    }

    /// `Event` for a login decided on a kept user who owned no token: written only while that is still so.
    struct LoginEvent: PostgresPreparedStatement {
        static let name = "otpkit_login_event"
        static let sql = """
            WITH unchanged AS (SELECT \(userUnchanged(from: 4)) AS holds),
            event AS (INSERT INTO events (at, token, event) SELECT $1, $2, $3 WHERE (SELECT holds FROM unchanged) RETURNING id)
            SELECT (SELECT holds FROM unchanged), (SELECT id FROM event)
            """
        static let bindingDataTypes: [PostgresDataType] = [.float8, .text, .text] + userUnchangedTypes
        let tokenID: String
        let event: String
        let user: UserName
        let login: UserLogin

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 7)
            bindEvent(tokenID: tokenID, event: event, into: &bindings)
            bindUser(user, as: login, into: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> LoginWrite { try LoginWrite(row) }
    }

    /// Whether a kept user is unchanged, first in the transaction of a login that writes several tokens.
    struct UserUnchanged: PostgresPreparedStatement {
        static let name = "otpkit_user_unchanged"
        static let sql = "SELECT \(userUnchanged(from: 1))"
        static let bindingDataTypes = userUnchangedTypes
        let user: UserName
        let login: UserLogin

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 4)
            bindUser(user, as: login, into: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Bool { try PostgresRows.bool(row, 0) }
    }
}
