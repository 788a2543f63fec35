import OTPCore

/// OpenHOTP slots (0-3): a 16 to 64-byte secret, SHA1/256/512, 6 to 10 digits, any counter, a name of up to 32
/// bytes, a touch policy, the admin PIN when one is set (asked through `HOTPSlotRequest.askPIN` when not given). Read
/// back afterwards; the first code can be checked.
public struct OpenHOTPSlotProgrammer: HOTPSlotProgrammer {
    public let driver: OpenHOTPDriver
    public let serial: String
    public var family: TokenFamily { .openHOTP }
    public var defaultSlot: Int { 0 }
    public var canCheckFirstCode: Bool { true }
    /// The token has an admin PIN and no admin session is open (from its device info): writing needs the PIN.
    public let needsPIN: Bool

    public init(driver: OpenHOTPDriver, serial: String, needsPIN: Bool = false) {
        self.driver = driver
        self.serial = serial
        self.needsPIN = needsPIN
    }

    public func program(_ request: HOTPSlotRequest) throws(HOTPProgrammingError) -> HOTPSlotProgrammed {
        let secret = request.secret
        guard (OpenHOTPDriver.minSecretLength...OpenHOTPDriver.maxSecretLength).contains(secret.count) else {
            throw .invalidRequest("the secret is \(secret.count) bytes; OpenHOTP tokens take 16 to 64 bytes")
        }
        guard OTPDigits.allowed.contains(request.digits) else { throw .invalidRequest("an OpenHOTP token gives 6 to 10 digits, not \(request.digits)") }
        guard request.name.utf8.count <= OpenHOTPDriver.maxNameLength else { throw .invalidRequest("an OpenHOTP slot name is at most 32 bytes") }
        let configuration = OpenHOTPSlotConfiguration(secret: secret, algorithm: request.algorithm, digits: request.digits,
                                                      counter: request.counter, name: request.name, touch: request.touch)
        let slot = request.slot ?? defaultSlot
        let pin = needsPIN ? request.resolvedPIN(for: "OpenHOTP admin") : request.pin
        if needsPIN && pin == nil { throw .pinRequired("the OpenHOTP admin PIN is needed") }
        if let pin { try driving { () throws(OpenHOTPError) in _ = try driver.verifyPIN(pin) } }
        let before = try driving { () throws(OpenHOTPError) in try driver.readSlot(slot) }
        if before.programmed && !request.overwrite {
            throw .slotProgrammed("slot \(slot) of token \(serial) is programmed already")
        }
        try driving { () throws(OpenHOTPError) in try driver.writeSlot(slot, configuration) }
        let after = try driving { () throws(OpenHOTPError) in try driver.readSlot(slot) }
        guard after.programmed, after.algorithm == configuration.algorithm, after.digits == request.digits,
              after.counter == request.counter, after.name == request.name, after.touch == request.touch else {
            throw .readBackDiffers("the token reports slot \(slot) differently from what was written: Slot \(slot)     \(after.summary)")
        }
        var counter = request.counter
        if request.checkFirstCode {
            // A generated code moves the counter on: the seed records the counter after it.
            let generated = try driving { () throws(OpenHOTPError) in try driver.generate(slot) }
            let expected: String
            do { expected = try HOTP(secret: secret, algorithm: request.algorithm, digits: request.digits).code(counter: generated.counter) } catch {
                throw .invalidRequest(error.description)
            }
            guard generated.counter == request.counter, ConstantTime.equals(Array(generated.code.utf8), Array(expected.utf8)) else {
                throw .firstCodeDiffers
            }
            counter += 1
        }
        let seed = SeedRecord(serial: serial, slot: slot, family: TokenFamily.openHOTP.rawValue, algorithm: request.algorithm,
                              digits: request.digits, counter: counter, secret: secret)
        return HOTPSlotProgrammed(seed: seed, summary: after.summary, roundedCounter: nil)
    }

    private func driving<T>(_ body: () throws(OpenHOTPError) -> T) throws(HOTPProgrammingError) -> T {
        do { return try body() } catch { throw .driver(.openHOTP(error)) }
    }
}
