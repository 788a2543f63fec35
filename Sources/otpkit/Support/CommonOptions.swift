import ArgumentParser
import Foundation

/// Which token a command works on.
struct DeviceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The token: usb:BUS:ADDR, usb:serial=SERIAL or usbip://HOST:PORT/BUSID (default: OTPKIT_DEVICE, else the only token present).",
        valueName: "address"))
    var device: String?

    @Option(name: .long, help: "Pick the token with this serial among those present.")
    var serial: String?

    @Flag(name: .long, help: "Report the control transfers made and the time they took, on stderr.")
    var verbose = false

    func open() throws -> OpenedToken {
        let token = try TokenLocator.open(device: device, serial: serial)
        token.reportsStatistics = verbose
        return token
    }
}

/// The admin PIN, for commands that change a token protected by one.
struct PINOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The token's admin PIN (default: OTPKIT_PIN). Needed to change a token that has one.", valueName: "pin"))
    var pin: String?

    var effectivePIN: String? { pin ?? nonEmptyEnvironment("OTPKIT_PIN") }
}

struct SlotOption: ParsableArguments {
    @Option(name: .long, help: "The slot, numbered from 0.")
    var slot: Int = 0

    func validate() throws {
        guard slot >= 0 else { throw ValidationError("--slot must be 0 or more") }
    }
}

/// Asks before a destructive step: on a terminal by prompting, elsewhere only with --force.
func confirm(_ question: String, force: Bool) throws {
    if force { return }
    guard isatty(STDIN_FILENO) == 1 else {
        throw CLIFailure("\(question) Refusing without a terminal to ask; add --force.", code: .usage)
    }
    print("\(question) [y/N] ", terminator: "")
    guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
        throw CLIFailure("cancelled; nothing was changed", code: .usage)
    }
}

/// An environment variable's value; an empty one counts as unset.
func nonEmptyEnvironment(_ name: String) -> String? {
    ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
}
