import EmulatedTokens
import OTPCore
import Testing
import TokenDrivers
import USBTransport

/// docs/emulator.md's example of a Swift test against emulated tokens: start two, program one through its driver over
/// USB/IP, press its button, read the counter, unplug it, stop.
@Suite struct EmulatedTokensExample {
    @Test func aTestAgainstEmulatedTokens() async throws {
        // README begin
        try await withEmulatedTokens(.openHOTP, .yubiKey) { emulator in
            let address = try DeviceAddress(parsing: emulator.tokens[0].address)   // usbip://127.0.0.1:PORT/1-1
            let connection = try TokenTransports.open(address)
            let token = OpenHOTPDriver(channel: connection.channel)
            try token.writeSlot(0, OpenHOTPSlotConfiguration(secret: try Secret(hex: "3132333435363738393031323334353637383930")))
            #expect(try emulator.press("1-1") == "755224")             // the button types the next code
            #expect(try token.readCounter(0) == 1)
            connection.close()
            try emulator.unplug("1-1")                                  // pulled out: no longer found
            #expect(throws: TransportError.self) { try TokenTransports.open(address) }
            let yubiKey = try TokenTransports.open(DeviceAddress(parsing: emulator.tokens[1].address))
            #expect(try YubiKeyDriver(channel: yubiKey.channel).serial() == emulator.tokens[1].serial)
            #expect(try emulator.state("1-1").slots[0].counter == 1)  // never a secret
        }                                                               // the tokens stop here
        // README end
    }
}
