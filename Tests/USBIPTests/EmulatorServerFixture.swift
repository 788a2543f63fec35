import EmulatorServer
import Foundation
import TokenEmulator

/// An in-process USB/IP server with `count` emulated OpenHOTP tokens on a free loopback port.
final class EmulatorServerFixture {
    let server: USBIPServer
    let tokens: [OpenHOTPToken]
    let port: Int

    init(count: Int = 2) async throws {
        tokens = (0..<count).map { OpenHOTPToken(state: OpenHOTPTokenState(serial: UInt32(1000 + $0))) }
        server = USBIPServer(devices: tokens.map(\.usbDevice))
        port = try await server.start(host: "127.0.0.1", port: 0)
    }

    deinit { server.stopWithoutWaiting() }
}
