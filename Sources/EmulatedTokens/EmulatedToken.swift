import EmulatorControl

/// One token of a running emulator: where it is plugged in and how to reach it. Nothing secret.
public struct EmulatedToken: Sendable, Equatable, CustomStringConvertible {
    /// Its place on the emulator's bus 1: "1-1" for the first token, "1-2" for the second...
    public let busID: String
    /// Which token it plays (OpenHOTP, YubiKey, Nitrokey Pro or Storage).
    public let family: EmulatedTokenFamily
    /// The serial it reports (the one in its state file when it had one).
    public let serial: UInt32
    /// `usbip://HOST:PORT/BUSID`: what `DeviceAddress(parsing:)` and `otpkit --device` take.
    public let address: String

    /// Address, family and serial, as `otpkit emulate` lists them.
    public var description: String { "\(address) \(family.displayName) serial \(serial)" }
}

/// A token's state as a test checks it: family, serial, plugged, each slot's `programmed` and `counter`, PIN tries
/// left. Never a secret or a PIN.
public typealias EmulatedTokenState = TokenStateReport
