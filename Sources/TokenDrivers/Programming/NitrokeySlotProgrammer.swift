import OTPCore

/// Nitrokey Pro / Storage HOTP slots (0-2): SHA1, a secret of up to 40 bytes, 6 or 8 digits, a name of up to 15
/// bytes (default "otpkit"), the admin PIN (asked through `HOTPSlotRequest.askPIN` when not given). Read back.
public struct NitrokeySlotProgrammer: HOTPSlotProgrammer {
    public let driver: NitrokeyDriver
    public let serial: String
    public var family: TokenFamily { .nitrokey }
    public var defaultSlot: Int { 0 }
    public var canCheckFirstCode: Bool { false }
    /// The slot name written when a request gives none.
    public static let defaultName = "otpkit"

    public init(driver: NitrokeyDriver, serial: String) {
        self.driver = driver
        self.serial = serial
    }

    public func program(_ request: HOTPSlotRequest) throws(HOTPProgrammingError) -> HOTPSlotProgrammed {
        let secret = request.secret
        guard secret.count <= NitrokeyDriver.maxSecretLength else {
            throw .invalidRequest("a Nitrokey HOTP slot takes a secret of up to 40 bytes, not \(secret.count)")
        }
        guard request.algorithm == .sha1 else { throw .invalidRequest("a Nitrokey computes HOTP with SHA1 only") }
        guard request.digits == 6 || request.digits == 8 else { throw .invalidRequest("a Nitrokey gives 6 or 8 digits") }
        guard !request.touch else { throw .invalidRequest("a Nitrokey HOTP slot has no touch policy: host software reads its codes") }
        let slot = request.slot ?? defaultSlot
        let slotName = request.name.isEmpty ? Self.defaultName : request.name
        guard slotName.utf8.count <= NitrokeyDriver.maxNameLength else { throw .invalidRequest("a Nitrokey slot name is at most 15 bytes") }
        if try driving({ () throws(NitrokeyDriver.NitrokeyError) in try driver.readHOTPSlot(slot) }) != nil && !request.overwrite {
            throw .slotProgrammed("HOTP slot \(slot) of Nitrokey \(serial) is programmed already")
        }
        guard let pin = request.resolvedPIN(for: "Nitrokey admin") else {
            throw .pinRequired("the Nitrokey admin PIN is needed")
        }
        let after = try driving { () throws(NitrokeyDriver.NitrokeyError) in
            let temporary = try driver.authenticateAdmin(pin: pin)
            try driver.writeHOTPSlot(slot, name: slotName, secret: secret, counter: request.counter, digits: request.digits,
                                     temporaryPassword: temporary)
            return try driver.readHOTPSlot(slot)
        }
        guard let after, after.name == slotName, after.counter == request.counter, after.digits == request.digits else {
            throw .readBackDiffers("the Nitrokey reports HOTP slot \(slot) differently from what was written")
        }
        let seed = SeedRecord(serial: serial, slot: slot, family: TokenFamily.nitrokey.rawValue, issuer: "Nitrokey", algorithm: .sha1,
                              digits: request.digits, counter: request.counter, secret: secret)
        return HOTPSlotProgrammed(seed: seed, summary: "HOTP SHA1, \(request.digits) digits, counter \(after.counter)  \"\(after.name)\"",
                                  roundedCounter: nil)
    }

    private func driving<T>(_ body: () throws(NitrokeyDriver.NitrokeyError) -> T) throws(HOTPProgrammingError) -> T {
        do { return try body() } catch { throw .driver(.nitrokey(error)) }
    }
}
