import EmulatedTokens
import OTPCore
import Testing
import TokenDrivers
import USBTransport

/// docs/provisioning.md, "The drivers without the CLI": find a token, open it, read its identity and a slot, program a slot.
@Suite struct DriversWithoutTheCLI {
    @Test func openATokenByAddressReadItAndProgramASlot() async throws {
        try await withEmulatedTokens(EmulatorConfiguration([.openHOTP, .openHOTP], firstSerial: 200)) { emulator in
            let server = "usbip://\(emulator.usbipServer)"
            // README begin
            // Every supported token on that USB/IP server (with no servers: this machine's USB too).
            for candidate in try await TokenDiscovery.find(servers: [DeviceAddress(parsing: server)]).candidates {
                print(candidate.address, candidate.family, candidate.serial ?? "busy")
            }
            // A token's session: its transfers block, so they run on a queue of the session's own.
            let session = try await TokenSession.open(DeviceAddress(parsing: server + "/1-1"))
            let programmed = try await session.perform { token in
                if case .openHOTP(let openHOTP) = token {
                    print("firmware \(openHOTP.info.firmware), \(openHOTP.info.slotCount) slots")
                    print("slot 0:", try openHOTP.driver.readSlot(0).summary)            // empty
                }
                // Program a slot under the family's rules; the slot is read back and compared.
                let programmed = try token.slotProgrammer.program(HOTPSlotRequest(secret: Secret.random(byteCount: 20)))
                print(token.connection.statistics.transfers, "control transfers")
                return programmed
            }
            print(programmed.summary)                // HOTP SHA1, 6 digits, counter 0
            let seed = programmed.seed               // for the verification server (holds the secret)
            // README end
            #expect(session.serial == "00000200" && seed.serial == "00000200" && seed.slot == 0)
            #expect(programmed.summary == "HOTP SHA1, 6 digits, counter 0")
            let typed = try emulator.press("1-1")
            #expect(typed == (try HOTP(secret: seed.secret, digits: 6).code(counter: seed.counter)), "the token holds the seed's secret")
        }
    }
}
