import ArgumentParser
import Foundation

@main
struct OTPKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "otpkit",
        abstract: "Program, read and emulate HOTP hardware tokens.",
        discussion: """
        Tokens are plugged into this machine (--device usb:BUS:ADDR or usb:serial=SERIAL; libusb, with the udev rules \
        of `sudo make install-udev` for ordinary users) or served over USB/IP (--device usbip://HOST:PORT/BUSID). \
        OTPKIT_DEVICE may hold the address. Without one, otpkit uses the only token present on local USB or on the \
        USB/IP server at 127.0.0.1:3240, where `otpkit emulate` serves emulated tokens. Families: OpenHOTP, YubiKey. \
        `otpkit verifier` runs the verification server.

        Examples:
          otpkit emulate --tokens 2 --state ~/.otpkit-emulator &
          otpkit devices
          otpkit program --device usbip://127.0.0.1:3240/1-1 --slot 0 --generate
          otpkit touch --slot 0
          otpkit counter --slot 0 --json

        Exit codes:
          0   success
          1   the token refused the request (wrong PIN, empty slot, PIN locked, ...)
          2   no token reached (not found, unreachable, busy, disconnected mid-command), or the database unreachable
          3   the token or server broke the protocol (corrupted, stale or malformed reply)
          4   a cross-check failed (demo)
          5   a master key is missing or wrong (the verifier's or the journal's key file; never replaced silently)
          64  bad command line or input (unknown option, bad secret, digits out of range, ...)
        """,
        version: "0.22.0",  // as packaging/debian/changelog says (build-deb.sh checks)
        subcommands: [
            DevicesCommand.self, InfoCommand.self, ProgramCommand.self, CounterCommand.self, TouchCommand.self,
            EraseCommand.self, PINCommand.self, ResetCommand.self, EmulateCommand.self, DemoCommand.self,
            UDevRulesCommand.self, VerifierCommand.self, ProvisionCommand.self,
        ]
    )

    static func main() async {
        // Under a file-size limit (ulimit -f) a write then fails with EFBIG, which is reported, instead of the
        // process being killed halfway through a file.
        signal(SIGXFSZ, SIG_IGN)
        // A reader that went away (a pipe closed, a client gone) makes a write fail with EPIPE, which is handled,
        // instead of killing a server between a committed decision and its answer.
        signal(SIGPIPE, SIG_IGN)
        await main(nil)
    }
}
