import Synchronization

/// A connection handed to the one thread that uses it. The `Mutex` lets the compiler check the hand-over (a
/// connection is not `Sendable`); it is never contended.
final class ConnectionBox: Sendable {
    let connection: Mutex<SQLiteConnection>

    init(_ connection: sending SQLiteConnection) {
        self.connection = Mutex(connection)
    }
}
