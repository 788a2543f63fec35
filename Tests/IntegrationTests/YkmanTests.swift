import Foundation
import TestSupport
import Testing

/// Yubico's current ykman (5.9, from PyPI) against the emulated YubiKey, as an ordinary user: it finds the key through
/// /dev/hidraw (it never looks at /dev/bus/usb), reads its serial and status, programs a HOTP slot and deletes it,
/// each through `otpkit emulate --token yubikey -- ykman ...`. What a press types is read as key events.
@Suite(.serialized) struct YkmanTests {
    static let serial = 4_711_042
    /// RFC 4226's key, as ykman takes it (base32) and oathtool (hex).
    static let base32Key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    static let hexKey = "3132333435363738393031323334353637383930"

    @Test func listInfoProgramPressAndDeleteAsAnOrdinaryUser() async throws {
        try await runBlocking {
            let user = try UnprivilegedEmulator(family: "yubikey", firstSerial: Self.serial)
            defer { user.remove() }
            let ykman = try UnprivilegedEmulator.tool("ykman")

            let list = try user.run(ykman, "list")
            #expect(list.status == 0 && list.stdout.contains("Serial: \(Self.serial)"), "\(list.stdout)\(list.stderr)")
            #expect(list.stdout.contains("YubiKey") && list.stdout.contains("OTP"), "\(list.stdout)")
            let serials = try user.run(ykman, "list", "--serials")
            #expect(serials.stdout == "\(Self.serial)\n", "\(serials.stdout)\(serials.stderr)")

            let info = try user.run(ykman, "info")
            #expect(info.status == 0, "\(info.stdout)\(info.stderr)")
            #expect(info.stdout.contains("Serial number: \(Self.serial)") && info.stdout.contains("Firmware version: 2.4.3"), "\(info.stdout)")

            let empty = try user.run(ykman, "otp", "info")
            #expect(empty.status == 0 && empty.stdout.contains("Slot 1: empty") && empty.stdout.contains("Slot 2: empty"),
                    "\(empty.stdout)\(empty.stderr)")

            let program = try user.run(ykman, "otp", "hotp", "2", Self.base32Key, "--digits", "8", "--counter", "32", "--force")
            #expect(program.status == 0, "\(program.stdout)\(program.stderr)")
            let programmed = try user.run(ykman, "otp", "info")
            #expect(programmed.stdout.contains("Slot 1: empty") && programmed.stdout.contains("Slot 2: programmed"), "\(programmed.stdout)")

            // A press of slot 2 types the code for counter 32, 8 digits, as oathtool computes it.
            let typed = try EvdevKeyboardReader.press(user, slot: 2)
            let oathtool = try #require(Subprocess.which("oathtool"))
            let expected = try Subprocess.run(oathtool, ["--hotp", "--digits", "8", "-c", "32", Self.hexKey]).stdout
            #expect(typed == expected, "typed \(typed.debugDescription), oathtool \(expected.debugDescription)")

            let delete = try user.run(ykman, "otp", "delete", "2", "--force")
            #expect(delete.status == 0, "\(delete.stdout)\(delete.stderr)")
            let deleted = try user.run(ykman, "otp", "info")
            #expect(deleted.stdout.contains("Slot 2: empty"), "\(deleted.stdout)")
        }
    }
}
