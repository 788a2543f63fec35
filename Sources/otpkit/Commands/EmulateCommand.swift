import ArgumentParser
import DispatchExecutors
import EmulatedTokens
import EmulatorControl
import EmulatorServer
import Foundation
import PrivateFiles

struct EmulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulate",
        abstract: "Serve emulated tokens (OpenHOTP, YubiKey, Nitrokey Pro/Storage) over USB/IP, or to a command as USB devices.",
        discussion: """
        Each token is a USB device on bus 1 (bus ids 1-1, 1-2, ...). Reach them with otpkit \
        (--device usbip://HOST:PORT/1-1), list them with `usbip --tcp-port PORT list -r HOST`, or attach them \
        to a kernel with vhci-hcd with `usbip attach`. With --state, each token keeps its slots, counters and PIN \
        in DIR/token-N.json (written atomically), so a restarted emulator continues where it stopped.

        The first line printed is `listening on HOST:PORT`. A line `press BUSID [SLOT]` on standard input presses a \
        token's button (a YubiKey's slot 1 or 2) and prints what it typed. Stop with Ctrl-C or SIGTERM.

        `otpkit emulate [--token FAMILY ...] -- COMMAND [ARGS...]` runs COMMAND with the tokens visible as devices \
        of this machine (a umockdev testbed: sysfs, /dev/bus/usb, /dev/hidrawN for each HID interface, \
        /dev/input/eventN for the YubiKey's keyboard), so libusb programs (ykinfo, ykpersonalize, libnitrokey and \
        nitropy, otpkit), hidraw programs (ykman, hidapi) and evdev readers use them unchanged, without root or \
        kernel modules; no FIDO or CCID interface, and no hotplug events. It exits with COMMAND's status after \
        stopping the tokens. The USB/IP server runs too, on a free port unless --port is given.

        `--control unix:PATH` or `--control tcp:127.0.0.1:PORT --control-token-file FILE` takes one JSON object a \
        line and answers one JSON line each: {"press": "1-1", "slot": 2}, {"plug": "1-3"}, {"unplug": "1-2"}, \
        {"drop_after": 5, "device": "1-1"}, {"state": "1-1"}; errors as {"error": "..."}. A unix: socket is made \
        0600 at a PATH that must not exist yet. Over TCP (loopback only: 127.0.0.1, ::1, localhost) each client \
        first sends the token, the first line of FILE (mode 0600, at least 16 characters), as a line of its own; \
        a connection whose first line is not the token, or that sends none within 5 s, is closed without an answer.
        """)

    @Option(name: .long, help: "Address to listen on. Anything but loopback exposes the tokens to the network.")
    var listen = "127.0.0.1"

    @Option(name: .long, help: "TCP port (0 picks a free one; default 3240, or a free one with a COMMAND).")
    var port: Int?

    @Option(name: .long, help: ArgumentHelp(
        "A control channel for tests (one JSON request a line): unix:PATH (a new path), or tcp:127.0.0.1:PORT (loopback) with --control-token-file.",
        valueName: "address"))
    var control: String?

    @Option(name: .long, help: ArgumentHelp(
        "The secret a client of a tcp: control channel sends as its first line: this file's first line (mode 0600, at least 16 characters).",
        valueName: "file"))
    var controlTokenFile: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp(
        "A command to run with the tokens as USB devices (after --); otpkit exits with its status.", valueName: "command"))
    var command: [String] = []

    @Option(name: .long, help: "Number of OpenHOTP tokens (when no --token is given).")
    var tokens = 1

    @Option(name: .customLong("token"), help: ArgumentHelp("A token to emulate (repeatable, in bus order).", valueName: "family"))
    var families: [EmulatedTokenFamily] = []

    @Option(name: .long, help: ArgumentHelp("Folder for the tokens' persistent state (default: memory only).", valueName: "dir"))
    var state: String?

    @Option(name: .long, help: "Serial of the first new token; the next ones count up (default: random).")
    var firstSerial: UInt32?

    @Option(name: .long, help: ArgumentHelp("Seconds before the simulated user presses the button of a touch slot.", valueName: "seconds"))
    var touchDelay = Seconds(0.2)

    @Flag(name: .long, help: "Nobody presses the button: touch requests time out.")
    var noAutoTouch = false

    @Option(name: .long, help: ArgumentHelp(
        "Fault injection for tests: after N feature-report transfers, drop the connection as if the token were pulled out (once).",
        valueName: "N"))
    var dropAfter: Int?

    @Option(name: .long, help: ArgumentHelp("Fault injection for tests: --drop-after counts and drops only this token's transfers (default: any token's).", valueName: "busid"))
    var dropDevice: String?

    @Flag(name: .long, help: "Fault injection for tests: STALL every feature-report transfer, as a broken token would.")
    var stallReports = false

    @Option(name: .long, help: ArgumentHelp("Plug the tokens in one after another, one every this many seconds (the first at once), as a person feeding a batch would.", valueName: "seconds"))
    var arriveEvery: Seconds?

    @Option(name: .long, help: ArgumentHelp("YubiKey: append every command frame the host sends (hex, one a line) to this file. It shows secrets being written: for tests only.", valueName: "path"))
    var frameLog: String?

    /// Lines on standard input: `press BUSID [SLOT]` presses a token's button (a YubiKey's slot 1 or 2) and answers
    /// `pressed BUSID typed CODE`; `plug BUSID` and `unplug BUSID` script arrivals and departures.
    private func readCommands(_ emulator: RunningEmulator) {
        let usage = "unknown command; use: press BUSID [SLOT], plug BUSID, unplug BUSID"
        Thread.detachNewThread {
            while let line = readLine() {
                let words = line.split(separator: " ").map(String.init)
                guard words.count >= 2 else {
                    if !line.isEmpty { emit(usage) }
                    continue
                }
                do throws(EmulatorError) {
                    switch words[0] {
                    case "press": emit("pressed \(words[1]) typed \(try emulator.press(words[1], slot: words.count > 2 ? Int(words[2]) : nil))")
                    case "plug": try emulator.plug(words[1]); emit("plugged \(words[1])")
                    case "unplug": try emulator.unplug(words[1]); emit("unplugged \(words[1])")
                    default: emit(usage)
                    }
                } catch .noSuchToken {
                    emit(usage)
                } catch .nothingTyped(_, let reason) {
                    emit("pressed \(words[1]) typed nothing (\(reason))")
                } catch {
                    emit("error: \(error)")
                }
            }
        }
    }

    private func frameLogHandle() throws -> FileHandle? {
        guard let frameLog else { return nil }
        do { return try PrivateFile.openAppending(frameLog) } catch { throw CLIFailure("\(error)", code: .usage) }
    }

    func validate() throws {
        guard (1...1024).contains(tokens) else { throw ValidationError("--tokens must be between 1 and 1024") }
        guard families.count <= EmulatorConfiguration.maximumTokens else {
            throw ValidationError("--token: at most \(EmulatorConfiguration.maximumTokens) tokens")
        }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if let control {
            let address: ControlAddress
            do { address = try ControlAddress(parsing: control) } catch { throw ValidationError("--control: \(error)") }
            if case .tcp = address, controlTokenFile == nil {
                throw ValidationError("--control \(control) needs --control-token-file FILE: any local user can reach a loopback port")
            }
        } else if controlTokenFile != nil {
            throw ValidationError("--control-token-file needs --control tcp:127.0.0.1:PORT")
        }
        if dropDevice != nil && dropAfter == nil { throw ValidationError("--drop-device needs --drop-after N") }
    }

    func run() async throws {
        var status: Int32 = 0
        try await reportingFailures { status = try await serve(controlToken: controlToken()) }
        if status != 0 { throw ExitCode(status) }
    }

    /// The library's configuration for these options. With a COMMAND, stdout belongs to it: `say` drops the
    /// emulator's own lines then.
    private func configuration(say: @escaping @Sendable (String) -> Void) throws -> EmulatorConfiguration {
        var configuration = EmulatorConfiguration(
            families.isEmpty ? Array(repeating: .openHOTP, count: tokens) : families,
            stateFolder: state.map { URL(fileURLWithPath: $0, isDirectory: true) }, firstSerial: firstSerial,
            autoTouch: noAutoTouch ? .never : .after(touchDelay.duration),
            faults: EmulatorFaults(dropAfterFeatureTransfers: dropAfter, dropDevice: dropDevice, stallFeatureReports: stallReports),
            host: listen, port: port ?? (command.isEmpty ? EmulatorConfiguration.defaultUSBIPPort : 0),
            localUSB: command.isEmpty ? .none : .umockdevTestbed,
            log: { writeError("otpkit emulate: \($0)\n") })
        configuration.onOpenHOTPButton = { serial, slot, code in say("token \(serial) slot \(slot) typed \(code)") }
        if let log = try frameLogHandle() {
            // A frame log that cannot be written (disk full) loses lines, never the emulator.
            configuration.onYubiKeyFrame = { frame in
                try? log.write(contentsOf: Data((frame.map { String(format: "%02x", $0) }.joined() + "\n").utf8))
            }
        }
        return configuration
    }

    /// The token of `--control-token-file`, read before anything starts; a file others can read is refused.
    private func controlToken() throws -> ControlChannelToken? {
        guard let controlTokenFile else { return nil }
        do { return try ControlTokenFile.read(controlTokenFile) } catch {
            throw CLIFailure("--control-token-file: \(error)", code: .usage)
        }
    }

    /// Serves until stopped (or until COMMAND ends); returns the exit status to pass on. Everything it started,
    /// the umockdev testbed's folder included, is gone when it returns.
    private func serve(controlToken: ControlChannelToken?) async throws -> Int32 {
        let runsCommand = !command.isEmpty
        let say: @Sendable (String) -> Void = { line in if !runsCommand { emit(line) } }
        let emulator: RunningEmulator
        do { emulator = try await RunningEmulator.start(configuration(say: say)) } catch let error as EmulatorError {
            throw CLIFailure(error.description, code: error.isSetUpProblem ? .usage : .refused)
        }
        let status: Int32
        do { status = try await serve(emulator, controlToken: controlToken, say: say) } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()
        return status
    }

    /// The emulator's life once started: what it prints, the control channel, and the wait for a stop or for COMMAND.
    private func serve(_ emulator: RunningEmulator, controlToken: ControlChannelToken?, say: @escaping @Sendable (String) -> Void) async throws -> Int32 {
        let runsCommand = !command.isEmpty
        say("listening on \(listen):\(emulator.port)")
        for token in emulator.tokens {
            say("\(token.address)  \(token.family.displayName)  serial \(token.family == .openHOTP ? String(format: "%08u", token.serial) : String(token.serial))")
        }
        if state == nil { say("note: no --state folder; the tokens forget everything when the emulator stops") }

        if let control {
            let address: ControlAddress
            let requested: ControlAddress
            do { requested = try ControlAddress(parsing: control) } catch { throw CLIFailure("--control: \(error)", code: .usage) }
            do { address = try await emulator.startControlChannel(at: requested, token: controlToken) } catch {
                throw CLIFailure("--control: \(error)", code: error.isSetUpProblem ? .usage : .refused)
            }
            runsCommand ? writeError("otpkit emulate: control channel on \(address)\n") : emit("control \(address)")
        }
        if !runsCommand { readCommands(emulator) }
        if let arriveEvery { emulator.plugInTurn(every: arriveEvery.duration) { say("arrived \($0.busID)") } }

        guard runsCommand else {
            let signals = Self.onStopSignals { _ in Task { await emulator.stop() } }
            await emulator.waitUntilStopped()
            withExtendedLifetime(signals) {}
            return 0
        }
        let child: ChildCommand
        do { child = try ChildCommand(command, environment: emulator.childEnvironment()) } catch {
            writeError("otpkit: error: \(error)\n")
            return 127  // as a shell says "command not found"
        }
        // SIGTERM and Ctrl-C go to COMMAND; its end ends the emulator. A Ctrl-C typed at the terminal already
        // reached COMMAND (same process group): it is not sent twice. Then a read of COMMAND's that waits on a
        // hidraw or evdev node ends (EINTR), as the signal is held back until it does.
        let signals = Self.onStopSignals { number in
            if !(number == SIGINT && isatty(STDIN_FILENO) != 0 && tcgetpgrp(STDIN_FILENO) == getpgrp()) { child.signal(number) }
            emulator.interruptBlockedReads()
        }
        let status = await child.exitStatus()
        withExtendedLifetime(signals) {}
        return status
    }

    /// SIGINT and SIGTERM, handled off the signal context.
    private static func onStopSignals(_ handler: @escaping @Sendable (Int32) -> Void) -> [DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }
}

/// `--token FAMILY` takes the family names in any case (`YubiKey`, `yubikey`); `--help` lists them.
extension EmulatorError {
    /// Problems of the machine or the command line (umockdev missing, bad options), reported as usage errors.
    var isSetUpProblem: Bool {
        switch self {
        case .testbedUnavailable, .invalidConfiguration, .badControlAddress: true
        default: false
        }
    }
}
