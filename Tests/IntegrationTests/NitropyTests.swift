import Foundation
import TestSupport
import Testing

/// Nitrokey's current nitropy (pynitrokey 0.14 from PyPI, over Debian's libnitrokey) against the emulated keys, as an
/// ordinary user: each model lists with the serial its USB descriptor carries, the Storage with its firmware version
/// and PIN retry counters, and a wrong firmware update password is refused as the real key refuses it, while the right
/// one sends the key to its bootloader (it leaves the bus).
@Suite(.serialized) struct NitropyTests {
    static let serial = 321  // 0x141: the USB serial string is 000000000141, which nitropy shows without its zeros

    @Test func theStorageListsItsFirmwareAndRefusesAWrongUpdatePassword() async throws {
        try await runBlocking {
            let user = try UnprivilegedEmulator(family: "nitrokey-storage", firstSerial: Self.serial)
            defer { user.remove() }
            let nitropy = try UnprivilegedEmulator.tool("nitropy")
            let list = try user.run(nitropy, "storage", "list")
            #expect(list.status == 0, "\(list.stdout)\(list.stderr)")
            for line in [" - Nitrokey Storage-141 1-1:1.0", "Firmware version: (0, 57)", "Admin PIN retries: 3", "User PIN retries: 3"] {
                #expect(list.stdout.contains(line + "\n"), "\(line): \(list.stdout)")
            }
            let update = try user.run("/bin/sh", "-c", """
                NITROPY_FIRMWARE_PASSWORD=wrong-password \(nitropy) storage enable-update; echo "wrong: $?"
                NITROPY_FIRMWARE_PASSWORD=12345678 \(nitropy) storage enable-update; echo "right: $?"
                \(nitropy) storage list
                """)
            #expect(update.stdout.contains("Enabling firmware update has failed. Check your firmware password.") && update.stdout.contains("wrong: 1"),
                    "\(update.stdout)")
            #expect(update.stdout.contains("setting firmware update mode - success!") && update.stdout.contains("right: 0"), "\(update.stdout)")
            #expect(update.stdout.hasSuffix(":: 'Nitrokey Storage' keys:\n"), "in its bootloader the key is no longer listed: \(update.stdout)")
        }
    }

    @Test func theProListsAndRefusesAWrongUpdatePassword() async throws {
        try await runBlocking {
            let user = try UnprivilegedEmulator(family: "nitrokey-pro", firstSerial: Self.serial)
            defer { user.remove() }
            let nitropy = try UnprivilegedEmulator.tool("nitropy")
            let update = try user.run("/bin/sh", "-c", """
                \(nitropy) pro list
                \(nitropy) pro enable-update --password wrong-password
                \(nitropy) pro list
                \(nitropy) pro enable-update
                \(nitropy) pro list
                """)
            let lines = update.stdout.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("Command line tool") }
            #expect(lines == [
                ":: 'Nitrokey Pro' keys:", "Nitrokey Pro-141 1-1:1.0",
                "Enabling firmware update mode", "Done",
                ":: 'Nitrokey Pro' keys:", "Nitrokey Pro-141 1-1:1.0",
                "Enabling firmware update mode", "Setting firmware update mode - success!", "Done",
                ":: 'Nitrokey Pro' keys:",
            ], "a refused password changes nothing; the right one takes the key off the bus: \(update.stdout)\(update.stderr)")
        }
    }
}
