import ArgumentParser
import EmulatorControl
import EmulatorServer
import Foundation
import PrivateFiles
import TokenEmulator
import UMockdevBridge

struct EmulateCommand: ParsableCommand {
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

        `otpkit emulate [--token FAMILY ...] -- COMMAND [ARGS...]` runs COMMAND with the tokens visible as USB \
        devices of this machine (umockdev: sysfs, /dev/bus/usb, udev events), so any libusb program (ykinfo, \
        ykpersonalize, libnitrokey, otpkit) uses them unchanged, without root or kernel modules; it exits with \
        COMMAND's status after stopping the tokens. The USB/IP server runs too, on a free port unless --port is given.

        `--control unix:PATH` or `--control tcp:127.0.0.1:PORT` takes one JSON object a line and answers one JSON \
        line each: {"press": "1-1", "slot": 2}, {"plug": "1-3"}, {"unplug": "1-2"}, \
        {"drop_after": 5, "device": "1-1"}, {"state": "1-1"}; errors as {"error": "..."}.
        """)

    @Option(name: .long, help: "Address to listen on. Anything but loopback exposes the tokens to the network.")
    var listen = "127.0.0.1"

    @Option(name: .long, help: "TCP port (0 picks a free one; default 3240, or a free one with a COMMAND).")
    var port: Int?

    @Option(name: .long, help: ArgumentHelp(
        "A control channel for tests: unix:PATH, or tcp:HOST:PORT on loopback (one JSON request a line).", valueName: "address"))
    var control: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp(
        "A command to run with the tokens as USB devices (after --); otpkit exits with its status.", valueName: "command"))
    var command: [String] = []

    @Option(name: .long, help: "Number of OpenHOTP tokens (when no --token is given).")
    var tokens = 1

    @Option(name: .customLong("token"), help: ArgumentHelp(
        "A token to emulate: openhotp, yubikey, nitrokey-pro or nitrokey-storage (repeatable, in bus order).", valueName: "family"))
    var families: [String] = []

    static let families = ["openhotp", "yubikey", "nitrokey-pro", "nitrokey-storage"]

    @Option(name: .long, help: ArgumentHelp("Folder for the tokens' persistent state (default: memory only).", valueName: "dir"))
    var state: String?

    @Option(name: .long, help: "Serial of the first new token; the next ones count up (default: random).")
    var firstSerial: UInt32?

    @Option(name: .long, help: "Seconds before the simulated user presses the button of a touch slot.")
    var touchDelay: Double = 0.2

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
    var arriveEvery: Double?

    @Option(name: .long, help: ArgumentHelp("YubiKey: append every command frame the host sends (hex, one a line) to this file. It shows secrets being written: for tests only.", valueName: "path"))
    var frameLog: String?

    /// Lines on standard input: `press BUSID [SLOT]` presses a token's button (a YubiKey's slot 1 or 2) and answers
    /// `pressed BUSID typed CODE`; `plug BUSID` and `unplug BUSID` script arrivals and departures. The same panel
    /// serves the JSON control channel.
    private func readCommands(panel: EmulatorControlPanel) {
        let usage = "unknown command; use: press BUSID [SLOT], plug BUSID, unplug BUSID"
        Thread.detachNewThread {
            while let line = readLine() {
                let words = line.split(separator: " ").map(String.init)
                guard words.count >= 2 else {
                    if !line.isEmpty { emit(usage) }
                    continue
                }
                do throws(ControlError) {
                    switch words[0] {
                    case "press":
                        switch try panel.press(busID: words[1], slot: words.count > 2 ? Int(words[2]) : nil) {
                        case .typed(let code): emit("pressed \(words[1]) typed \(code)")
                        case .nothing(let why): emit("pressed \(words[1]) typed nothing (\(why))")
                        }
                    case "plug": try panel.setPlugged(busID: words[1], true); emit("plugged \(words[1])")
                    case "unplug": try panel.setPlugged(busID: words[1], false); emit("unplugged \(words[1])")
                    default: emit(usage)
                    }
                } catch .noSuchDevice {
                    emit(usage)
                } catch {
                    emit("error: \(error)")
                }
            }
        }
    }

    /// All but the first token start unplugged and arrive one by one.
    private func scheduleArrivals(server: USBIPServer, plug: @escaping @Sendable (String, Bool) throws -> Void, every interval: Double,
                                  say: @escaping @Sendable (String) -> Void) {
        let later = server.devices.dropFirst().map(\.busID)
        for busID in later {
            server.setPlugged(busID, false)
            try? plug(busID, false)
        }
        Thread.detachNewThread {
            for busID in later {
                Thread.sleep(forTimeInterval: interval)
                server.setPlugged(busID, true)
                try? plug(busID, true)
                say("arrived \(busID)")
            }
        }
    }

    private func frameLogHandle() throws -> FileHandle? {
        guard let frameLog else { return nil }
        do { return try PrivateFile.openAppending(frameLog) } catch { throw CLIFailure("\(error)", code: .usage) }
    }

    func validate() throws {
        guard (1...1024).contains(tokens) else { throw ValidationError("--tokens must be between 1 and 1024") }
        guard families.count <= 1024, families.allSatisfy({ Self.families.contains($0.lowercased()) }) else {
            throw ValidationError("--token takes \(Self.families.joined(separator: ", ")) (at most 1024 tokens)")
        }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if let control {
            do { _ = try ControlAddress(parsing: control) } catch { throw ValidationError("--control: \(error)") }
        }
        if dropDevice != nil && dropAfter == nil { throw ValidationError("--drop-device needs --drop-after N") }
    }

    func run() throws {
        var status: Int32 = 0
        try reportingFailures { status = try serve() }
        if status != 0 { throw ExitCode(status) }
    }

    /// Serves until stopped (or until COMMAND ends); returns the exit status to pass on. Everything it started,
    /// the umockdev testbed's folder included, is gone when it returns.
    private func serve() throws -> Int32 {
        let folder = try state.map { path -> URL in
            let url = URL(fileURLWithPath: path, isDirectory: true)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            return url
        }
        let runsCommand = !command.isEmpty
        // With a COMMAND, stdout belongs to it: the emulator's own lines go nowhere.
        let say: @Sendable (String) -> Void = { line in if !runsCommand { emit(line) } }
        let base = firstSerial ?? UInt32.random(in: 10_000_000...89_999_999)
        let kinds = families.isEmpty ? Array(repeating: "openhotp", count: tokens) : families.map { $0.lowercased() }
        var devices: [EmulatedUSBDevice] = []
        var labels: [String] = []
        var controlled: [ControlledToken] = []  // per bus port: press the button, report the state
        for (index, kind) in kinds.enumerated() {
            let serial = base &+ UInt32(index)
            let busID = "1-\(index + 1)"
            if kind.hasPrefix("nitrokey") {
                let model: NitrokeyToken.Model = kind == "nitrokey-storage" ? .storage : .pro
                let key = try NitrokeyToken(model: model, serial: serial,
                                            stateFile: folder?.appendingPathComponent("\(kind)-\(index + 1).json"))
                devices.append(key.usbDevice)
                labels.append("\(model == .pro ? "Nitrokey Pro" : "Nitrokey Storage")  serial \(key.state.serial)")
                controlled.append(ControlledToken(busID: busID, nitrokey: key))
            } else if kind == "yubikey" {
                let key = try YubiKeyToken(serial: serial, stateFile: folder?.appendingPathComponent("yubikey-\(index + 1).json"))
                if let log = try frameLogHandle() {
                    // A frame log that cannot be written (disk full) loses lines, never the emulator.
                    key.onFrame = { frame in try? log.write(contentsOf: Data((frame.map { String(format: "%02x", $0) }.joined() + "\n").utf8)) }
                }
                devices.append(key.usbDevice)
                labels.append("YubiKey  serial \(key.state.serial)")
                controlled.append(ControlledToken(busID: busID, yubiKey: key))
            } else {
                let token = try OpenHOTPToken(serial: serial, stateFile: folder?.appendingPathComponent("token-\(index + 1).json"),
                                              autoTouchDelay: noAutoTouch ? nil : touchDelay)
                token.onButtonPress = { outcome in
                    if case .presented(let slot, let code) = outcome { say("token \(token.serial) slot \(slot) typed \(code)") }
                }
                devices.append(token.usbDevice)
                labels.append("OpenHOTP  serial \(String(format: "%08u", token.serial))")
                controlled.append(ControlledToken(busID: busID, openHOTP: token))
            }
        }
        let faults = USBIPFaultPlan(dropAfterFeatureTransfers: dropAfter, onlyBusID: dropDevice, stallFeatureReports: stallReports)
        let server = USBIPServer(devices: devices, faults: faults) { message in
            writeError("otpkit emulate: \(message)\n")
        }
        let testbed = runsCommand ? try Self.testbed(devices: devices, faults: faults) : nil
        let plug: @Sendable (String, Bool) throws -> Void = { busID, plugged in
            try testbed?.setPlugged(busID, plugged)
        }
        let bound = try server.start(host: listen, port: port ?? (runsCommand ? 0 : USBIPServer.defaultPort))
        defer { server.stop() }
        say("listening on \(listen):\(bound)")
        for (exported, label) in zip(server.devices, labels) {
            say("usbip://\(listen):\(bound)/\(exported.busID)  \(label)")
        }
        if folder == nil { say("note: no --state folder; the tokens forget everything when the emulator stops") }

        let panel = EmulatorControlPanel(tokens: controlled, server: server, faults: faults, alsoPlug: plug)
        let controlServer = try control.map { text -> ControlChannelServer in
            let channel = ControlChannelServer(target: panel)
            let address = try channel.start(ControlAddress(parsing: text))
            runsCommand ? writeError("otpkit emulate: control channel on \(address)\n") : emit("control \(address)")
            return channel
        }
        defer { controlServer?.stop() }
        if !runsCommand { readCommands(panel: panel) }
        if let arriveEvery { scheduleArrivals(server: server, plug: plug, every: arriveEvery, say: say) }

        guard let testbed else {
            let signals = Self.onStopSignals { _ in server.stop() }
            try server.waitUntilStopped()
            withExtendedLifetime(signals) {}
            return 0
        }
        var environment = testbed.childEnvironment(ProcessInfo.processInfo.environment)
        environment["OTPKIT_EMULATOR_USBIP"] = "\(listen):\(bound)"
        let child: ChildCommand
        do { child = try ChildCommand(command, environment: environment) } catch {
            writeError("otpkit: error: \(error)\n")
            return 127  // as a shell says "command not found"
        }
        // SIGTERM and Ctrl-C go to COMMAND; its end ends the emulator. A Ctrl-C typed at the terminal already
        // reached COMMAND (same process group): it is not sent twice.
        let signals = Self.onStopSignals { number in
            if number == SIGINT && isatty(STDIN_FILENO) != 0 && tcgetpgrp(STDIN_FILENO) == getpgrp() { return }
            child.signal(number)
        }
        let status = child.wait()
        withExtendedLifetime((signals, testbed)) {}
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

    /// The tokens as USB devices of a umockdev testbed, bus 1 port N for token N, with the same fault plan as USB/IP.
    private static func testbed(devices: [EmulatedUSBDevice], faults: USBIPFaultPlan) throws -> USBTestbed {
        guard USBTestbed.installedPreloadLibrary != nil else {
            throw CLIFailure("\(USBTestbed.preloadLibrary) is missing: install Debian's umockdev package (make demo does)", code: .usage)
        }
        let testbed: USBTestbed
        do { testbed = try USBTestbed { writeError("otpkit emulate: \($0)\n") } } catch {
            throw CLIFailure("\(error) (is libumockdev0 installed?)", code: .usage)
        }
        for (index, device) in devices.enumerated() {
            let busID = "1-\(index + 1)"
            try testbed.add(device, port: index + 1) { setup in
                if faults.shouldStall(setup) { return .stall }
                return faults.shouldDrop(setup, busID: busID) ? .unplug : .pass
            }
        }
        return testbed
    }
}
