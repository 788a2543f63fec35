import ArgumentParser
import Foundation
import OTPCore
import USBTransport

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

    /// Opens the token these options name in a session of its own and runs `body` with it there (its transfers,
    /// and the prompts between them, on the session's queue).
    func withToken<Value: Sendable>(_ body: @escaping @Sendable (ConnectedToken) throws -> Value) async throws -> Value {
        let session = try await TokenLocator.open(device: device, serial: serial)
        let verbose = self.verbose
        return try await session.perform { token in
            if verbose { token.reportStatistics() }
            return try body(token)
        }
    }

    /// For commands that only OpenHOTP tokens have (`command` names it in the error for other families).
    func withOpenHOTP<Value: Sendable>(for command: String, _ body: @escaping @Sendable (ConnectedOpenHOTP) throws -> Value) async throws -> Value {
        try await withToken { token in try body(try token.requireOpenHOTP(command)) }
    }
}

/// The admin PIN, for commands that change a token protected by one.
struct PINOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The token's admin PIN (default: --pin-file, then OTPKIT_PIN; else `program` asks on the terminal). Needed to change a token that has one.", valueName: "pin"))
    var pin: String?

    @Option(name: .long, help: ArgumentHelp("Read the PIN from the first line of this file (or pipe) instead.", valueName: "path"))
    var pinFile: String?

    func validate() throws { try Self.check(pinFile: pinFile) }

    /// Refuses a --pin-file before anything is touched: one that cannot be read, and a regular file that holds no PIN
    /// (a pipe such as `<(pass show ...)` is read once, when the PIN is needed).
    static func check(pinFile: String?) throws {
        guard let pinFile else { return }
        var status = stat()
        guard stat(pinFile, &status) == 0, access(pinFile, R_OK) == 0 else { throw ValidationError("--pin-file \(pinFile) cannot be read") }
        if status.st_mode & S_IFMT == S_IFREG { _ = try read(pinFile: pinFile) }
    }

    /// The first line of a --pin-file (LF or CRLF ended; at most 4 KiB read). One that cannot be read, or holds no
    /// PIN, is refused: never replaced by OTPKIT_PIN or a prompt (a batch would spend a try of every token on it).
    static func read(pinFile: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: pinFile), let data = try? handle.read(upToCount: 4096) ?? Data() else {
            throw ValidationError("--pin-file \(pinFile) cannot be read")
        }
        try? handle.close()
        let text = String(decoding: data, as: UTF8.self)
        guard let first = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).first, !first.isEmpty else {
            throw ValidationError("--pin-file \(pinFile) holds no PIN on its first line")
        }
        return String(first)
    }

    /// --pin, else --pin-file, else OTPKIT_PIN.
    var effectivePIN: String? { get throws { try Self.resolve(pin: pin, pinFile: pinFile) } }

    /// `pin`, else the first line of `pinFile`, else OTPKIT_PIN.
    static func resolve(pin: String?, pinFile: String?) throws -> String? {
        if let pin { return pin }
        if let pinFile { return try read(pinFile: pinFile) }
        return nonEmptyEnvironment("OTPKIT_PIN")
    }

    /// The PIN from the options, or asked for on the terminal (not echoed); a clear error without a terminal.
    func requiredPIN(for what: String) throws -> String {
        if let pin = try effectivePIN { return pin }
        guard let typed = Self.prompt(for: what) else {
            throw CLIFailure("the \(what) PIN is needed: give it with --pin-file, OTPKIT_PIN or at the prompt", code: .usage)
        }
        return typed
    }

    /// Asks on the terminal (not echoed); nil without a terminal or for an empty answer.
    static func prompt(for what: String) -> String? {
        guard isatty(STDIN_FILENO) == 1, let typed = getpass("\(what) PIN: ").map({ String(cString: $0) }), !typed.isEmpty else { return nil }
        return typed
    }
}

struct SlotOption: ParsableArguments {
    @Option(name: .long, help: "The slot: OpenHOTP slots are numbered from 0 (default 0), YubiKey slots are 1 and 2 (default 1).")
    var slot: Int?

    var openHOTPSlot: Int { slot ?? 0 }
    var yubiKeySlot: Int { slot ?? 1 }

    func validate() throws {
        guard (slot ?? 0) >= 0 else { throw ValidationError("--slot must be 0 or more") }
    }
}

/// YubiKey slots may be protected by a 6-byte access code.
struct AccessCodeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("YubiKey: the slot's current access code, 12 hex digits (default: OTPKIT_ACCESS_CODE).", valueName: "hex"))
    var accessCode: String?

    func current() throws -> [UInt8]? {
        guard let text = accessCode ?? nonEmptyEnvironment("OTPKIT_ACCESS_CODE") else { return nil }
        return try Self.parse(text, option: "--access-code")
    }

    static func parse(_ text: String, option: String) throws -> [UInt8] {
        guard let bytes = try? Hex.decode(text), bytes.count == 6 else {
            throw CLIFailure("\(option) must be 6 bytes in hex (12 digits)", code: .usage)
        }
        return bytes
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
