import Foundation
import OTPCore
import TestSupport
import Testing
import TokenDrivers
import TokenEmulator
import USBTransport

/// A token's session: its transfers on a queue of its own, and a cancel that reaches the driver's poll wait.
@Suite struct TokenSessionTests {
    static let secret = try! Secret(bytes: Array("12345678901234567890".utf8))

    @Test func aSessionRunsTheDriverAndKnowsTheTokensIdentity() async throws {
        let fixture = try await EmulatorServerFixture(count: 1)
        let session = try await TokenSession.open(.usbip(host: "127.0.0.1", port: fixture.port, busID: "1-1"))
        #expect(session.family == .openHOTP && session.serial == "00001000")
        let code = try await session.perform { token throws in
            guard case .openHOTP(let openHOTP) = token else { throw TransportError.notFound("not OpenHOTP") }
            try openHOTP.driver.writeSlot(0, OpenHOTPSlotConfiguration(secret: Self.secret))
            return try openHOTP.driver.generate(0).code
        }
        #expect(code == "755224")
    }

    /// Nobody presses the button: the driver polls a PENDING token, and cancelling the waiting task ends the wait
    /// with `cancelled` (not the touch timeout's refusal), with the token's session still usable afterwards.
    @Test func cancellingTheTaskEndsAWaitForTheButtonAtOnce() async throws {
        let fixture = try await EmulatorServerFixture(count: 1)
        let session = try await TokenSession.open(.usbip(host: "127.0.0.1", port: fixture.port, busID: "1-1"))
        let waiting = Task {
            try await session.perform { (token) throws(OpenHOTPError) -> String in
                guard case .openHOTP(let openHOTP) = token else { throw .invalidRequest("not OpenHOTP") }
                try openHOTP.driver.writeSlot(0, OpenHOTPSlotConfiguration(secret: Self.secret, touch: true))
                return try openHOTP.driver.generate(0).code
            }
        }
        // The asynchronous wait: it sleeps this task, never a cooperative thread the waiting task needs to start.
        let waits = await eventually(timeout: 300) { () async in fixture.tokens[0].isWaitingForTouch }
        try #require(waits, "the token waits for its button")
        waiting.cancel()
        // Only the cancel makes this error: the touch timeouts (the driver's and the token's) end in a refusal.
        await #expect(throws: OpenHOTPError.transport(.cancelled)) { try await waiting.value }
        let counter = try await session.perform { token throws in
            guard case .openHOTP(let openHOTP) = token else { throw TransportError.notFound("not OpenHOTP") }
            return try openHOTP.driver.readCounter(0)
        }
        #expect(counter == 0, "no code was made, and the session answers the next call")
    }
}
