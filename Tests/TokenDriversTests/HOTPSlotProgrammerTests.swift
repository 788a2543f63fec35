import OTPCore
import Synchronization
import Testing
import TokenDrivers
import TokenEmulator

/// Each family's programming rules (`HOTPSlotProgrammer`) against its emulated firmware, in process.
@Suite struct HOTPSlotProgrammerTests {
    static let rfcKey = try! Secret(bytes: Array("12345678901234567890".utf8))

    func openHOTP(pin: String? = nil) throws -> (OpenHOTPSlotProgrammer, OpenHOTPToken) {
        var state = OpenHOTPTokenState(serial: 42)
        state.pin = pin.map { OpenHOTPTokenState.PINHash(pin: Array($0.utf8)) }
        let token = OpenHOTPToken(state: state)
        let driver = OpenHOTPDriver(channel: EmulatedTokenChannel(token, reportSize: 64))
        let info = try driver.info()
        return (OpenHOTPSlotProgrammer(driver: driver, serial: "00000042", needsPIN: info.pinSet && !info.adminSession), token)
    }

    func yubiKey() throws -> (YubiKeySlotProgrammer, YubiKeyToken) {
        let token = try YubiKeyToken(serial: 1234)
        let driver = YubiKeyDriver(channel: EmulatedTokenChannel(token, reportSize: 8))
        return (YubiKeySlotProgrammer(driver: driver, status: try driver.status(), serial: "1234"), token)
    }

    func nitrokey() throws -> (NitrokeySlotProgrammer, NitrokeyToken) {
        let token = try NitrokeyToken(serial: 5678)
        return (NitrokeySlotProgrammer(driver: NitrokeyDriver(channel: EmulatedTokenChannel(token, reportSize: 64)), serial: "5678"), token)
    }

    @Test func openHOTPWritesReadsBackAndChecksTheFirstCode() throws {
        let (programmer, token) = try openHOTP()
        var request = HOTPSlotRequest(slot: 2, secret: Self.rfcKey, algorithm: .sha256, digits: 8, counter: 5, name: "vpn")
        request.checkFirstCode = true
        let programmed = try programmer.program(request)
        #expect(programmed.summary == "HOTP SHA256, 8 digits, counter 5  \"vpn\"")
        #expect(programmed.seed.slot == 2 && programmed.seed.algorithm == .sha256 && programmed.seed.family == "OpenHOTP")
        #expect(programmed.seed.counter == 6, "the first code used counter 5: the seed records the next one")
        #expect(token.state.slots[2]?.counter == 6 && token.state.slots[2]?.secret == Self.rfcKey)
        #expect(!request.description.contains(Self.rfcKey.hex), "a request never shows its secret")
    }

    @Test func openHOTPRefusesWhatItCannotHoldAndAProgrammedSlot() throws {
        let (programmer, _) = try openHOTP()
        #expect(throws: HOTPProgrammingError.invalidRequest("the secret is 10 bytes; OpenHOTP tokens take 16 to 64 bytes")) {
            try programmer.program(HOTPSlotRequest(secret: Secret.random(byteCount: 10)))
        }
        _ = try programmer.program(HOTPSlotRequest(secret: Self.rfcKey))
        #expect(throws: HOTPProgrammingError.slotProgrammed("slot 0 of token 00000042 is programmed already")) {
            try programmer.program(HOTPSlotRequest(secret: Secret.random(byteCount: 20)))
        }
        #expect(try programmer.program(HOTPSlotRequest(secret: Secret.random(byteCount: 20), overwrite: true)).seed.slot == 0)
    }

    @Test func aWrongPINIsARefusedPINAndNothingIsWritten() throws {
        let (programmer, token) = try openHOTP(pin: "246810")
        do {
            _ = try programmer.program(HOTPSlotRequest(secret: Self.rfcKey, pin: "111111"))
            Issue.record("a wrong PIN was accepted")
        } catch {
            #expect(error.isRefusedPIN && !error.leavesTokenUncertain)
        }
        #expect(token.state.slots[0] == nil)
        #expect(try programmer.program(HOTPSlotRequest(secret: Self.rfcKey, pin: "246810")).seed.serial == "00000042")
    }

    @Test func yubiKeyTakesTwentyByteSHA1AndMovingFactorsInStepsOf16() throws {
        let (programmer, token) = try yubiKey()
        #expect(throws: HOTPProgrammingError.self) { try programmer.program(HOTPSlotRequest(secret: Secret.random(byteCount: 32))) }
        #expect(throws: HOTPProgrammingError.invalidRequest("a YubiKey computes HOTP with SHA1 only")) {
            try programmer.program(HOTPSlotRequest(secret: Self.rfcKey, algorithm: .sha256))
        }
        #expect(throws: HOTPProgrammingError.invalidRequest("a YubiKey slot has no name", fix: .noName)) {
            try programmer.program(HOTPSlotRequest(secret: Self.rfcKey, name: "x"))
        }
        do {
            _ = try programmer.program(HOTPSlotRequest(secret: Self.rfcKey, counter: 40))
            Issue.record("a moving factor of 40 was taken")
        } catch {
            guard case .invalidRequest(_, .roundMovingFactor(from: 40, to: 32)?) = error else { Issue.record("\(error)"); return }
        }
        var request = HOTPSlotRequest(secret: Self.rfcKey, counter: 40)
        request.yubiKey.roundMovingFactor = true
        let programmed = try programmer.program(request)
        #expect(programmed.roundedCounter == 32 && programmed.seed.counter == 32 && programmed.seed.slot == 1)
        #expect(token.touch(slot: 1) == .typed(try HOTP(secret: Self.rfcKey).code(counter: 32)))
    }

    @Test func nitrokeyAsksForThePINOnlyForAWritableSlotAndNamesItOtpkit() throws {
        let (programmer, token) = try nitrokey()
        #expect(throws: HOTPProgrammingError.invalidRequest("a Nitrokey HOTP slot takes a secret of up to 40 bytes, not 41")) {
            try programmer.program(HOTPSlotRequest(secret: Secret.random(byteCount: 41)))
        }
        #expect(throws: HOTPProgrammingError.self) { try programmer.program(HOTPSlotRequest(secret: Self.rfcKey)) }
        let asked = Atomic<Int>(0)
        var request = HOTPSlotRequest(slot: 1, secret: Self.rfcKey, digits: 8)
        request.askPIN = { _ in asked.add(1, ordering: .relaxed); return "12345678" }
        let programmed = try programmer.program(request)
        #expect(asked.load(ordering: .relaxed) == 1)
        #expect(programmed.summary == "HOTP SHA1, 8 digits, counter 0  \"otpkit\"")
        #expect(token.state.slots[1]?.name == "otpkit" && Array(token.state.slots[1]?.secret.prefix(20) ?? []) == Self.rfcKey.bytes)
        #expect(throws: HOTPProgrammingError.slotProgrammed("HOTP slot 1 of Nitrokey 5678 is programmed already")) {
            try programmer.program(request)
        }
        #expect(asked.load(ordering: .relaxed) == 1, "a slot that cannot be written asks for no PIN")
    }

    @Test func anOpenHOTPTokenWithAPINAsksForItAndOneWithoutDoesNot() throws {
        let (protected, token) = try openHOTP(pin: "246810")
        #expect(throws: HOTPProgrammingError.pinRequired("the OpenHOTP admin PIN is needed")) {
            try protected.program(HOTPSlotRequest(secret: Self.rfcKey))
        }
        #expect(token.state.pinRetries == OpenHOTPTokenState.maxPINRetries, "no try was spent")
        let asked = Atomic<Int>(0)
        var request = HOTPSlotRequest(secret: Self.rfcKey)
        request.askPIN = { what in asked.add(1, ordering: .relaxed); return what == "OpenHOTP admin" ? "246810" : nil }
        #expect(try protected.program(request).seed.serial == "00000042")
        #expect(asked.load(ordering: .relaxed) == 1 && token.state.slots[0]?.secret == Self.rfcKey)
        let (open, _) = try openHOTP()
        #expect(try open.program(request).seed.serial == "00000042")
        #expect(asked.load(ordering: .relaxed) == 1, "a token without a PIN asks for none")
    }

    @Test func aNitrokeyRefusesATouchPolicyItCannotKeep() throws {
        let (programmer, token) = try nitrokey()
        var request = HOTPSlotRequest(secret: Self.rfcKey, pin: "12345678")
        request.touch = true
        #expect(throws: HOTPProgrammingError.invalidRequest("a Nitrokey HOTP slot has no touch policy: host software reads its codes")) {
            try programmer.program(request)
        }
        #expect(token.state.slots[0] == nil)
    }

    /// A request printed, debug-printed or dumped shows no secret, PIN or access code.
    @Test func aRequestNeverShowsItsSecretPINOrAccessCodes() {
        var request = HOTPSlotRequest(secret: Self.rfcKey, pin: "97531864")
        request.yubiKey.accessCode = [0xA7, 0xB3, 0xC9, 0xD1, 0xE5, 0xF7]
        request.yubiKey.newAccessCode = [0x9E, 0x8D, 0x7C, 0x6B, 0x5A, 0x49]
        var dumped = ""
        dump(request, to: &dumped)
        for text in [String(describing: request), String(reflecting: request), "\(request.yubiKey)", dumped] {
            for secret in [Self.rfcKey.hex, "97531864", "167", "a7", "158", "9e"] {
                #expect(!text.lowercased().contains(secret), "\(secret) in \(text)")
            }
        }
        #expect(dumped.contains("pin: \"given\""), "\(dumped)")
    }

    @Test func transportFailuresLeaveTheTokenUncertainRefusalsDoNot() {
        #expect(HOTPProgrammingError.driver(.transport(.disconnected("pulled"))).leavesTokenUncertain)
        #expect(HOTPProgrammingError.readBackDiffers("x").leavesTokenUncertain)
        #expect(!HOTPProgrammingError.driver(.nitrokey(.wrongPIN(retriesLeft: 2))).leavesTokenUncertain)
        #expect(HOTPProgrammingError.driver(.nitrokey(.wrongPIN(retriesLeft: 2))).isRefusedPIN)
        #expect(!HOTPProgrammingError.firstCodeDiffers.leavesTokenUncertain)
    }
}
