import TokenDrivers
import USBTransport

extension TokenSession {
    /// Runs `body` with the OpenHOTP token in this session, or fails with what the other family can do instead.
    func openHOTP<Value: Sendable>(_ command: String, _ body: @escaping @Sendable (ConnectedOpenHOTP) throws -> Value) async throws -> Value {
        try await perform { token in try body(try token.requireOpenHOTP(command)) }
    }
}
