import CSQLite
import Foundation
import Verification

/// One SQLite connection, used by one thread at a time (each belongs to one of the store's threads).
final class SQLiteConnection {
    private(set) var handle: OpaquePointer?
    let path: String
    /// The file this connection opened (see `checkWritable`).
    let identity: SQLiteFileIdentity
    /// Statements every request runs, prepared once (`withCached`).
    private var cached: [String: SQLiteStatement] = [:]

    /// `creating`: whether a missing file is made (else opening it fails, and nothing is created).
    init(path: String, creating: Bool = false) throws(VerifierError) {
        self.path = path
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (creating ? SQLITE_OPEN_CREATE : 0)
        let status = sqlite3_open_v2(path, &opened, flags, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "status \(status)"
            sqlite3_close(opened)
            throw .storage("cannot open \(path): \(message)")
        }
        guard let identity = SQLiteFileIdentity.current(of: path) else {
            sqlite3_close(opened)
            throw .storage("cannot open \(path): it vanished as it was opened")
        }
        self.identity = identity
        handle = opened
        // Owner-only before the first write: SQLite gives the -wal and -shm files the database file's mode.
        chmod(path, 0o600)
        sqlite3_busy_timeout(opened, 10_000)
    }

    deinit {
        cached = [:]
        sqlite3_close_v2(handle)
    }

    /// Runs `body` with a statement prepared once on this connection and kept; it is reset afterwards, so that a
    /// query stopped at a row holds no read transaction open (which would pin an old snapshot).
    func withCached<T>(_ sql: String, _ body: (SQLiteStatement) throws(VerifierError) -> T) throws(VerifierError) -> T {
        let statement: SQLiteStatement
        if let kept = cached[sql] {
            statement = kept
        } else {
            statement = try prepare(sql)
            cached[sql] = statement
        }
        defer { statement.reset() }
        return try body(statement)
    }

    /// WAL with a full sync on every commit: a transaction is on disk (the WAL fsynced) when COMMIT returns.
    func makeDurable() throws(VerifierError) {
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
    }

    func execute(_ sql: String) throws(VerifierError) {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(error)
            throw .storage("\(message) (in \(sql.prefix(60)))")
        }
    }

    /// Throws unless this connection may write where a later start will read: the file at `path` is still the one
    /// opened, and SQLite did not open it read-only (a read-only file or mount, an immutable file: SQLite then
    /// falls back to reading, and every write would fail).
    func checkWritable() throws(VerifierError) {
        try identity.check(path)
        if isReadOnly {
            throw .storage("the database file \(path) can only be read (its mode, an immutable flag or a read-only mount)")
        }
    }

    /// Whether SQLite opened the file read-only (it falls back to reading when it cannot write).
    var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    /// Runs `body` in a write transaction (BEGIN IMMEDIATE takes the write lock at once); rolls back on error.
    /// Refused before it begins unless `checkWritable` passes or `requiringWritable` is false (the schema check on
    /// opening, which writes only when a migration is due: a read-only file stays readable).
    func transaction<T>(requiringWritable: Bool = true, _ body: () throws(VerifierError) -> T) throws(VerifierError) -> T {
        if requiringWritable { try checkWritable() }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    func prepare(_ sql: String) throws(VerifierError) -> SQLiteStatement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw .storage("cannot prepare statement: \(lastError)")
        }
        return SQLiteStatement(statement: statement, connection: self)
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    var lastError: String { String(cString: sqlite3_errmsg(handle)) }
}

/// A prepared statement; values bind from 1, columns read from 0.
final class SQLiteStatement {
    private let statement: OpaquePointer
    /// Unowned: a connection keeps its cached statements, and is never outlived by a statement in use.
    private unowned let connection: SQLiteConnection
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(statement: OpaquePointer, connection: SQLiteConnection) {
        self.statement = statement
        self.connection = connection
    }

    deinit { sqlite3_finalize(statement) }

    enum Value {
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])
        case null
    }

    func bind(_ values: [Value]) {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .integer(let number): sqlite3_bind_int64(statement, index, number)
            case .real(let number): sqlite3_bind_double(statement, index, number)
            case .text(let text): sqlite3_bind_text(statement, index, text, -1, Self.transient)
            case .blob(let bytes): bytes.withUnsafeBytes { _ = sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), Self.transient) }
            case .null: sqlite3_bind_null(statement, index)
            }
        }
    }

    /// Ends a query early, releasing what it holds (its read transaction).
    func reset() { sqlite3_reset(statement) }

    /// Steps once: true when a row is available.
    func step() throws(VerifierError) -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case SQLITE_CONSTRAINT: throw .storage("constraint violated: \(connection.lastError)")
        default: throw .storage(connection.lastError)
        }
    }

    func run(_ values: [Value]) throws(VerifierError) {
        bind(values)
        while try step() {}
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func real(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }
    func text(_ column: Int32) -> String { sqlite3_column_text(statement, column).map { String(cString: $0) } ?? "" }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
