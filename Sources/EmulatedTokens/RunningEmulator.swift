import EmulatorControl
import EmulatorServer
import Foundation
import Synchronization
import TokenEmulator
import UMockdevBridge
import USBProtocol

/// Emulated tokens served inside this process: a USB/IP server on a port of its own (and, when asked, a umockdev
/// testbed that makes them USB devices of child processes), with the test's hands on the tokens: press a button,
/// plug, unplug, arm a fault, read the state. `otpkit emulate` is this type behind a command line.
///
/// Start it with `start`, or use `withEmulatedTokens`, which stops it when its body returns or throws. It stops on
/// `stop()`, or when the last reference goes. The servers run on event loop threads of their own, so blocking USB
/// calls of a test (the drivers' `TokenTransports.open`, a driver's requests) never starve them.
public final class RunningEmulator: Sendable {
    /// The tokens, in bus order (`tokens[0]` is 1-1).
    public let tokens: [EmulatedToken]
    /// The USB/IP server's host and port.
    public let host: String
    /// The port it listens on (the one chosen when the configuration asked for 0).
    public let port: Int

    private let server: USBIPServer
    private let panel: EmulatorControlPanel
    private let testbed: TestbedSlot
    private let running = Mutex(Running())

    private struct Running: Sendable {
        var stopped = false
        var controlChannels: [ControlChannelServer] = []
        var arrivals: Task<Void, Never>?
    }

    /// Starts the tokens of `configuration`; the bind awaits NIO's future (only the state files and the testbed are
    /// made in line, a few milliseconds).
    public static func start(_ configuration: EmulatorConfiguration = EmulatorConfiguration()) async throws(EmulatorError) -> RunningEmulator {
        let parts = try Parts(configuration.validated())
        let port: Int
        do { port = try await parts.server.start(host: configuration.host, port: configuration.port) } catch {
            await parts.server.stop()
            throw .cannotListen("USB/IP on \(configuration.host):\(configuration.port): \(error)")
        }
        return RunningEmulator(parts, host: configuration.host, port: port)
    }

    private init(_ parts: Parts, host: String, port: Int) {
        self.host = host
        self.port = port
        server = parts.server
        panel = parts.panel
        testbed = parts.testbed
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        tokens = parts.assembly.parts.map {
            EmulatedToken(busID: $0.busID, family: $0.family, serial: $0.serial, address: "usbip://\(authority)/\($0.busID)")
        }
    }

    deinit {
        guard let running = claimStop() else { return }
        running.arrivals?.cancel()
        running.controlChannels.forEach { $0.stopWithoutWaiting() }
        testbed.release()
        server.stopWithoutWaiting()
    }

    /// `HOST:PORT` of the USB/IP server, as `OTPKIT_EMULATOR_USBIP` gives it to a child.
    public var usbipServer: String { "\(host):\(port)" }

    /// The token at `busID` ("1-1", ...).
    public func token(_ busID: String) -> EmulatedToken? {
        tokens.first { $0.busID == busID }
    }

    // MARK: The test's hands

    /// Presses a token's button (a YubiKey's `slot` 1 or 2, default 1) and returns what it typed: the next code.
    @discardableResult
    public func press(_ busID: String, slot: Int? = nil) throws(EmulatorError) -> String {
        switch try control({ () throws(ControlError) in try panel.press(busID: busID, slot: slot) }) {
        case .typed(let text): return text
        case .nothing(let reason): throw .nothingTyped(busID: busID, reason: reason)
        }
    }

    /// Plugs a token back in: USB/IP lists and imports it again, and the testbed's children see it again.
    public func plug(_ busID: String) throws(EmulatorError) {
        try control { () throws(ControlError) in try panel.setPlugged(busID: busID, true) }
    }

    /// Pulls a token out: USB/IP no longer lists or imports it (a connection that holds it keeps it until it
    /// closes), and the testbed's children lose it (their open handles get ENODEV).
    public func unplug(_ busID: String) throws(EmulatorError) {
        try control { () throws(ControlError) in try panel.setPlugged(busID: busID, false) }
    }

    /// After `count` more feature-report transfers (to `busID`, or to any token), the next one pulls the token out,
    /// once: an unplug in the middle of a write.
    public func dropAfter(featureTransfers count: Int, on busID: String? = nil) throws(EmulatorError) {
        guard count >= 0 else { throw .invalidConfiguration("a drop needs a count of 0 or more") }
        try control { () throws(ControlError) in try panel.dropAfter(transfers: count, busID: busID) }
    }

    /// A token's slots, counters, PIN tries and whether it is plugged in; never a secret.
    public func state(_ busID: String) throws(EmulatorError) -> EmulatedTokenState {
        try control { () throws(ControlError) in try panel.state(busID: busID) }
    }

    private func control<Result>(_ request: () throws(ControlError) -> Result) throws(EmulatorError) -> Result {
        do { return try request() } catch {
            switch error {
            case .noSuchDevice(let busID): throw .noSuchToken(busID)
            default: throw .refused(error.description)
            }
        }
    }

    /// Plays a person feeding a batch: every token but the first is pulled out now, then plugged in one at a time,
    /// one every `interval`; `onArrival` is told of each. Ends with the emulator.
    public func plugInTurn(every interval: Duration, onArrival: @escaping @Sendable (EmulatedToken) -> Void = { _ in }) {
        let later = Array(tokens.dropFirst())
        for token in later { try? panel.setPlugged(busID: token.busID, false) }
        let panel = self.panel
        let task = Task.detached {
            for token in later {
                do { try await Task.sleep(for: interval) } catch { return }
                try? panel.setPlugged(busID: token.busID, true)
                onArrival(token)
            }
        }
        let previous = running.withLock { state -> Task<Void, Never>? in
            if state.stopped { return task }
            defer { state.arrivals = task }
            return state.arrivals
        }
        previous?.cancel()
    }

    // MARK: Other processes

    /// Ends the reads of the testbed's hidraw and evdev nodes that block now with EINTR: after a signal was sent to
    /// a child, so that a child waiting for a key press sees it (umockdev's preload holds signals during such a read).
    public func interruptBlockedReads() {
        testbed.current?.interruptBlockedReads()
    }

    /// The environment for a child process that should see the tokens: the testbed's variables (libumockdev's
    /// LD_PRELOAD, UMOCKDEV_DIR) when there is one, and `OTPKIT_EMULATOR_USBIP`, merged into `base`.
    public func childEnvironment(_ base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var environment = testbed.current?.childEnvironment(base) ?? base
        environment["OTPKIT_EMULATOR_USBIP"] = usbipServer
        return environment
    }

    /// Opens a JSON control channel (one request a line, as `otpkit emulate --control` takes them) for tests in
    /// other languages; returns the address bound (the port chosen for `tcp:HOST:0`). It closes with the emulator.
    /// A `tcp:` address needs a `token`, which each client sends as its first line (any local user can reach a
    /// loopback port); a `unix:` socket is its owner's alone and needs none.
    @discardableResult
    public func startControlChannel(at address: ControlAddress, token: ControlChannelToken? = nil) async throws(EmulatorError) -> ControlAddress {
        let channel = ControlChannelServer(target: panel)
        let bound: ControlAddress
        do { bound = try await channel.start(address, token: token) } catch {
            await channel.stop()
            throw Self.emulatorError(error)
        }
        try keep(channel)
        return bound
    }

    private static func emulatorError(_ error: ControlChannelError) -> EmulatorError {
        switch error {
        case .pathTaken, .tokenRequired: .badControlAddress(error.description)
        case .cannotPlace, .cannotBind: .cannotListen(error.description)
        }
    }

    private func keep(_ channel: ControlChannelServer) throws(EmulatorError) {
        let kept = running.withLock { state -> Bool in
            if !state.stopped { state.controlChannels.append(channel) }
            return !state.stopped
        }
        if !kept {
            channel.stopWithoutWaiting()
            throw .cannotListen("the emulator has stopped")
        }
    }

    // MARK: Stopping

    /// Returns once the emulator has stopped (a signal handler or another task called `stop()`).
    public func waitUntilStopped() async {
        await server.waitUntilStopped()
    }

    /// Stops everything: control channels (their sockets removed), the testbed (its folder removed), the USB/IP
    /// server and its threads. The tokens' state files stay. Later calls do nothing.
    public func stop() async {
        guard let running = claimStop() else { return }
        running.arrivals?.cancel()
        for channel in running.controlChannels { await channel.stop() }
        testbed.release()
        await server.stop()
    }

    private func claimStop() -> Running? {
        running.withLock { state -> Running? in
            guard !state.stopped else { return nil }
            defer { state = Running(stopped: true) }
            return state
        }
    }

    /// Everything made before the bind: the tokens, the server, the testbed, the panel between them.
    private struct Parts {
        let assembly: TokenAssembly
        let server: USBIPServer
        let testbed: TestbedSlot
        let panel: EmulatorControlPanel

        init(_ configuration: EmulatorConfiguration) throws(EmulatorError) {
            assembly = try TokenAssembly(configuration)
            let faults = USBIPFaultPlan(dropAfterFeatureTransfers: configuration.faults.dropAfterFeatureTransfers,
                                        onlyBusID: configuration.faults.dropDevice,
                                        stallFeatureReports: configuration.faults.stallFeatureReports)
            let devices = assembly.parts.map(\.device)
            let testbed = switch configuration.localUSB {
            case .none: TestbedSlot(nil)
            case .umockdevTestbed: TestbedSlot(try Self.testbed(devices: devices, faults: faults, log: configuration.log))
            }
            server = USBIPServer(devices: devices, faults: faults, log: configuration.log)
            self.testbed = testbed
            panel = EmulatorControlPanel(tokens: assembly.parts.map(\.controlled), server: server, faults: faults, testbed: testbed)
            // A Nitrokey switching to its bootloader leaves the bus: the emulated one is pulled out (plug brings it
            // back, running its application again).
            for part in assembly.parts {
                part.nitrokey?.onLeaveBus = { [weak panel, busID = part.busID] in try? panel?.setPlugged(busID: busID, false) }
            }
        }

        /// The tokens as USB devices of a umockdev testbed, bus 1 port N for token N, with the USB/IP fault plan.
        private static func testbed(devices: [EmulatedUSBDevice], faults: USBIPFaultPlan,
                                    log: @escaping @Sendable (String) -> Void) throws(EmulatorError) -> USBTestbed {
            guard USBTestbed.installedPreloadLibrary != nil else {
                throw .testbedUnavailable("\(USBTestbed.preloadLibrary) is missing: install Debian's umockdev package")
            }
            let testbed: USBTestbed
            do { testbed = try USBTestbed(log: log) } catch { throw .testbedUnavailable("\(error) (is libumockdev0 installed?)") }
            for (index, device) in devices.enumerated() {
                let busID = "1-\(index + 1)"
                do {
                    try testbed.add(device, port: index + 1) { setup in
                        if faults.shouldStall(setup) { return .stall }
                        return faults.shouldDrop(setup, busID: busID) ? .unplug : .pass
                    }
                } catch { throw .testbedUnavailable("\(error)") }
            }
            return testbed
        }
    }
}
