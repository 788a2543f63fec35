import ArgumentParser
import EmulatorServer
import Foundation
import PrivateFiles
import TokenEmulator

struct EmulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulate",
        abstract: "Serve emulated tokens (OpenHOTP, YubiKey, Nitrokey Pro/Storage) over USB/IP.",
        discussion: """
        Each token is a USB device on bus 1 (bus ids 1-1, 1-2, ...). Reach them with otpkit \
        (--device usbip://HOST:PORT/1-1), list them with `usbip --tcp-port PORT list -r HOST`, or attach them \
        to a kernel with vhci-hcd with `usbip attach`. With --state, each token keeps its slots, counters and PIN \
        in DIR/token-N.json (written atomically), so a restarted emulator continues where it stopped.

        The first line printed is `listening on HOST:PORT`. A line `press BUSID [SLOT]` on standard input presses a \
        token's button (a YubiKey's slot 1 or 2) and prints what it typed. Stop with Ctrl-C or SIGTERM.
        """)

    @Option(name: .long, help: "Address to listen on. Anything but loopback exposes the tokens to the network.")
    var listen = "127.0.0.1"

    @Option(name: .long, help: "TCP port (0 picks a free one).")
    var port = 3240

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
    /// `pressed BUSID typed CODE`; `plug BUSID` and `unplug BUSID` script arrivals and departures.
    private func readCommands(buttons: [(Int) -> String], server: USBIPServer) {
        nonisolated(unsafe) let presses = buttons
        let busIDs = server.devices.map(\.busID)
        Thread.detachNewThread {
            while let line = readLine() {
                let words = line.split(separator: " ").map(String.init)
                guard words.count >= 2, let index = busIDs.firstIndex(of: words[1]) else {
                    if !line.isEmpty { emit("unknown command; use: press BUSID [SLOT], plug BUSID, unplug BUSID") }
                    continue
                }
                switch words[0] {
                case "press": emit("pressed \(words[1]) typed \(presses[index](words.count > 2 ? Int(words[2]) ?? 0 : 0))")
                case "plug": server.setPlugged(words[1], true); emit("plugged \(words[1])")
                case "unplug": server.setPlugged(words[1], false); emit("unplugged \(words[1])")
                default: emit("unknown command; use: press BUSID [SLOT], plug BUSID, unplug BUSID")
                }
            }
        }
    }

    /// All but the first token start unplugged and arrive one by one.
    private func scheduleArrivals(server: USBIPServer, every interval: Double) {
        let later = server.devices.dropFirst().map(\.busID)
        for busID in later { server.setPlugged(busID, false) }
        Thread.detachNewThread {
            for busID in later {
                Thread.sleep(forTimeInterval: interval)
                server.setPlugged(busID, true)
                emit("arrived \(busID)")
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
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        if dropDevice != nil && dropAfter == nil { throw ValidationError("--drop-device needs --drop-after N") }
    }

    func run() throws {
        try reportingFailures {
            let folder = try state.map { path -> URL in
                let url = URL(fileURLWithPath: path, isDirectory: true)
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                return url
            }
            let base = firstSerial ?? UInt32.random(in: 10_000_000...89_999_999)
            let kinds = families.isEmpty ? Array(repeating: "openhotp", count: tokens) : families.map { $0.lowercased() }
            var devices: [EmulatedUSBDevice] = []
            var labels: [String] = []
            var buttons: [(Int) -> String] = []  // per bus port: press the button (of a slot), say what it typed
            for (index, kind) in kinds.enumerated() {
                let serial = base &+ UInt32(index)
                if kind.hasPrefix("nitrokey") {
                    let model: NitrokeyToken.Model = kind == "nitrokey-storage" ? .storage : .pro
                    let key = try NitrokeyToken(model: model, serial: serial,
                                                stateFile: folder?.appendingPathComponent("\(kind)-\(index + 1).json"))
                    devices.append(key.usbDevice)
                    labels.append("\(model == .pro ? "Nitrokey Pro" : "Nitrokey Storage")  serial \(key.state.serial)")
                    buttons.append { _ in "nothing (a Nitrokey types nothing by itself)" }
                } else if kind == "yubikey" {
                    let key = try YubiKeyToken(serial: serial, stateFile: folder?.appendingPathComponent("yubikey-\(index + 1).json"))
                    if let log = try frameLogHandle() {
                        // A frame log that cannot be written (disk full) loses lines, never the emulator.
                        key.onFrame = { frame in try? log.write(contentsOf: Data((frame.map { String(format: "%02x", $0) }.joined() + "\n").utf8)) }
                    }
                    devices.append(key.usbDevice)
                    labels.append("YubiKey  serial \(key.state.serial)")
                    buttons.append { slot in
                        if case .typed(let text) = key.touch(slot: slot == 0 ? 1 : slot) { text } else { "nothing (slot not OATH-HOTP)" }
                    }
                } else {
                    let token = try OpenHOTPToken(serial: serial, stateFile: folder?.appendingPathComponent("token-\(index + 1).json"),
                                                  autoTouchDelay: noAutoTouch ? nil : touchDelay)
                    token.onButtonPress = { outcome in
                        if case .presented(let slot, let code) = outcome { emit("token \(token.serial) slot \(slot) typed \(code)") }
                    }
                    devices.append(token.usbDevice)
                    labels.append("OpenHOTP  serial \(String(format: "%08u", token.serial))")
                    buttons.append { _ in
                        switch token.pressButton() {
                        case .presented(_, let code), .completedRequest(_, let code): code
                        case .nothing: "nothing (slot 0 empty)"
                        }
                    }
                }
            }
            let faults = USBIPFaultPlan(dropAfterFeatureTransfers: dropAfter, onlyBusID: dropDevice, stallFeatureReports: stallReports)
            let server = USBIPServer(devices: devices, faults: faults) { message in
                writeError("otpkit emulate: \(message)\n")
            }
            let bound = try server.start(host: listen, port: port)
            emit("listening on \(listen):\(bound)")
            for (exported, label) in zip(server.devices, labels) {
                emit("usbip://\(listen):\(bound)/\(exported.busID)  \(label)")
            }
            if folder == nil { emit("note: no --state folder; the tokens forget everything when the emulator stops") }
            readCommands(buttons: buttons, server: server)
            if let arriveEvery { scheduleArrivals(server: server, every: arriveEvery) }
            let stop = { server.stop() }
            let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { stop() }
                source.resume()
                return source
            }
            try server.waitUntilStopped()
            withExtendedLifetime(signals) {}
        }
    }
}
