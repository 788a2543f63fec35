import DispatchExecutors
import TokenDrivers

/// One opened token's home: an actor on a serial queue of its own, the only place the token's blocking USB transfers
/// run, so they hold neither one of Swift's cooperative threads nor an event loop. The drivers stay synchronous;
/// `perform` hands one of them the token there.
///
/// Cancelling the task that awaits `perform` ends the driver's poll wait at once (a wait for the button, a busy
/// key) with `TransportError.cancelled`; a transfer already under way finishes first. The token closes when the
/// session goes.
public actor TokenSession {
    private let executor: SerialQueueExecutor
    private let token: ConnectedToken
    public nonisolated let address: DeviceAddress
    public nonisolated let family: TokenFamily
    /// The serial the token reported when it was opened.
    public nonisolated let serial: String

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private init(_ token: sending ConnectedToken, executor: SerialQueueExecutor) {
        address = token.address
        family = token.family
        serial = token.serial
        self.token = token
        self.executor = executor
    }

    /// Opens the token at a concrete address, on the session's own queue, and reads its identity with its family's
    /// driver.
    public static func open(_ address: DeviceAddress) async throws(TokenDriverError) -> TokenSession {
        let executor = SerialQueueExecutor(label: "otpkit.token \(address)")
        let token = try await executor.run { () throws(TokenDriverError) -> ConnectedToken in try ConnectedToken.open(address) }
        return TokenSession(token, executor: executor)
    }

    /// Runs `body` with the token on the session's queue, one call at a time; the calling task's cancellation
    /// reaches the driver's poll loop.
    public nonisolated func perform<Value: Sendable, Failure: Error>(
        _ body: @escaping @Sendable (ConnectedToken) throws(Failure) -> Value
    ) async throws(Failure) -> Value {
        let wait = PollWait()
        let result = await withTaskCancellationHandler {
            await self.run(body, waiting: wait)
        } onCancel: {
            wait.cancel()
        }
        return try result.get()
    }

    private func run<Value: Sendable, Failure: Error>(_ body: (ConnectedToken) throws(Failure) -> Value,
                                                      waiting wait: PollWait) -> Result<Value, Failure> {
        token.pollWait = wait
        defer { token.pollWait = PollWait() }
        do throws(Failure) { return .success(try body(token)) } catch { return .failure(error) }
    }
}
