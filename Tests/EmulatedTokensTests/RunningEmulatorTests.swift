import EmulatedTokens
import EmulatorControl
import Foundation
import OTPCore
import TestSupport
import Testing
import TokenDrivers
import USBTransport

/// The emulator as a library, in process: tokens reached through the drivers at the addresses it returns, the
/// test's hands (press, plug, unplug, faults, state), state folders across a restart, and every way of stopping.
@Suite struct RunningEmulatorTests {
    static let rfcSecret = "3132333435363738393031323334353637383930"

    static func programSlot0(_ address: String) throws {
        let connection = try TokenTransports.open(DeviceAddress(parsing: address))
        defer { connection.close() }
        try OpenHOTPDriver(channel: connection.channel).writeSlot(0, OpenHOTPSlotConfiguration(secret: try Secret(hex: rfcSecret)))
    }

    /// True when nothing listens at the USB/IP port any more.
    static func isClosed(_ port: Int) -> Bool {
        (try? TokenTransports.listUSBIP(host: "127.0.0.1", port: port)) == nil
    }

    @Test func everyFamilyIsServedAtItsAddressAndPressesTypeTheNextCode() async throws {
        let emulator = try await RunningEmulator.start(EmulatorConfiguration([.openHOTP, .yubiKey, .nitrokeyPro, .nitrokeyStorage],
                                                                             firstSerial: 5000))
        #expect(emulator.tokens.map(\.busID) == ["1-1", "1-2", "1-3", "1-4"])
        #expect(emulator.tokens.map(\.serial) == [5000, 5001, 5002, 5003])
        #expect(emulator.tokens[2].address == "usbip://127.0.0.1:\(emulator.port)/1-3")
        let listed = try TokenTransports.listUSBIP(host: "127.0.0.1", port: emulator.port)
        #expect(listed.map(\.family) == [.openHOTP, .yubiKey, .nitrokey, .nitrokey])
        try Self.programSlot0(emulator.tokens[0].address)
        #expect(try emulator.press("1-1") == "755224")
        #expect(try emulator.press("1-1") == "287082")
        #expect(try emulator.state("1-1").slots[0] == .init(slot: 0, programmed: true, counter: 2))
        #expect(try emulator.state("1-4").family == "nitrokey-storage")
        #expect(throws: EmulatorError.nothingTyped(busID: "1-3", reason: "a Nitrokey types nothing by itself")) { try emulator.press("1-3") }
        #expect(throws: EmulatorError.noSuchToken("1-9")) { try emulator.press("1-9") }
        #expect(throws: EmulatorError.noSuchToken("1-9")) { try emulator.unplug("1-9") }
        await emulator.stop()  // (a throw above leaves the stop to deinit)
    }

    @Test func unplugHidesATokenAndPlugBringsItBack() async throws {
        try await withEmulatedTokens(.openHOTP, .openHOTP) { emulator in
            try emulator.unplug("1-2")
            #expect(try TokenTransports.listUSBIP(host: "127.0.0.1", port: emulator.port).count == 1)
            #expect(try emulator.state("1-2").plugged == false)
            #expect(throws: TransportError.self) { try TokenTransports.open(DeviceAddress(parsing: emulator.tokens[1].address)) }
            try emulator.plug("1-2")
            #expect(try emulator.state("1-2").plugged)
            let connection = try TokenTransports.open(DeviceAddress(parsing: emulator.tokens[1].address))
            #expect(try OpenHOTPDriver(channel: connection.channel).info().serial == emulator.tokens[1].serial)
        }
    }

    @Test func tokensFedInTurnArriveOneByOne() async throws {
        try await withEmulatedTokens(.openHOTP, .yubiKey, .openHOTP) { emulator throws in
            let (arrivals, arrived) = AsyncStream.makeStream(of: String.self)
            emulator.plugInTurn(every: .milliseconds(200)) { arrived.yield($0.busID) }
            #expect(try TokenTransports.listUSBIP(host: "127.0.0.1", port: emulator.port).count == 1, "the later ones start unplugged")
            var order: [String] = []
            for await busID in arrivals {
                order.append(busID)
                #expect(try emulator.state(busID).plugged)
                if order.count == 2 { break }
            }
            #expect(order == ["1-2", "1-3"])
            #expect(try TokenTransports.listUSBIP(host: "127.0.0.1", port: emulator.port).count == 3)
        }
    }

    @Test func anArmedDropPullsTheTokenInTheMiddleOfARequest() async throws {
        try await withEmulatedTokens(EmulatorConfiguration(firstSerial: 600)) { emulator in
            try emulator.dropAfter(featureTransfers: 1, on: "1-1")
            let connection = try TokenTransports.open(DeviceAddress(parsing: emulator.tokens[0].address))
            #expect(throws: OpenHOTPError.self) { try OpenHOTPDriver(channel: connection.channel).info() }
        }
    }

    @Test func aStalledTokenRefusesEveryReport() async throws {
        try await withEmulatedTokens(EmulatorConfiguration(faults: EmulatorFaults(stallFeatureReports: true))) { emulator in
            let connection = try TokenTransports.open(DeviceAddress(parsing: emulator.tokens[0].address))
            #expect(throws: OpenHOTPError.self) { try OpenHOTPDriver(channel: connection.channel).info() }
        }
    }

    @Test func aStateFolderCarriesTheTokensOverARestart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-emulated-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withEmulatedTokens(EmulatorConfiguration([.openHOTP, .yubiKey], stateFolder: folder, firstSerial: 700)) { emulator in
            try Self.programSlot0(emulator.tokens[0].address)
            try emulator.press("1-1")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        try await withEmulatedTokens(EmulatorConfiguration([.openHOTP, .yubiKey], stateFolder: folder, firstSerial: 9000)) { emulator throws in
            #expect(emulator.tokens.map(\.serial) == [700, 701], "the serials come from the state files")
            #expect(try emulator.state("1-1").slots[0].counter == 1)
            #expect(try emulator.press("1-1") == "287082", "the counter went on from where it stopped")
        }
    }

    @Test func stopClosesThePortAndAThrowingBodyStopsToo() async throws {
        struct Planned: Error {}
        var port = 0
        await #expect(throws: Planned.self) {
            try await withEmulatedTokens { emulator in
                port = emulator.port
                #expect(!Self.isClosed(port))
                throw Planned()
            }
        }
        #expect(Self.isClosed(port), "the emulator stopped before withEmulatedTokens rethrew")
        let emulator = try await RunningEmulator.start()
        await emulator.stop()
        await emulator.stop()
        #expect(Self.isClosed(emulator.port))
    }

    @Test func theLastReferenceGoingStopsTheEmulator() async throws {
        var emulator: RunningEmulator? = try await RunningEmulator.start()
        let port = try #require(emulator?.port)
        #expect(!Self.isClosed(port))
        emulator = nil
        // deinit cannot wait: the listener closes on the server's own thread, moments later.
        #expect(await eventually { () async -> Bool in Self.isClosed(port) })
    }

    @Test func badConfigurationsAndATakenPortAreRefused() async throws {
        await #expect(throws: EmulatorError.invalidConfiguration("no tokens to emulate")) {
            try await RunningEmulator.start(EmulatorConfiguration([]))
        }
        try await withEmulatedTokens { first in
            let error = await #expect(throws: EmulatorError.self) {
                try await RunningEmulator.start(EmulatorConfiguration(port: first.port))
            }
            guard case .cannotListen? = error else { Issue.record("\(String(describing: error))"); return }
        }
    }

    @Test func aControlChannelServesTestsInOtherLanguagesAndGoesWithTheEmulator() async throws {
        let path = "/tmp/otpkit-lib-\(UUID().uuidString.prefix(8)).sock"
        try await withEmulatedTokens(EmulatorConfiguration(firstSerial: 800)) { emulator in
            try await emulator.startControlChannel(at: .unix(path: path))
            try Self.programSlot0(emulator.tokens[0].address)
            let client = try LineClient(path: path)
            client.send("{\"press\": \"1-1\"}\n")
            #expect(client.readLine() == #"{"device":"1-1","slot":null,"typed":"755224"}"#)
        }
        #expect(!FileManager.default.fileExists(atPath: path), "the socket went with the emulator")
    }

    /// Over TCP the library asks for a token and serves only clients that send it first; a path already taken is
    /// refused with the addresses that are allowed.
    @Test func aTCPControlChannelNeedsAToken() async throws {
        let token = try ControlChannelToken("library-token-0123456789")
        let taken = "/tmp/otpkit-taken-\(UUID().uuidString.prefix(8))"
        try #require(FileManager.default.createFile(atPath: taken, contents: Data()))
        defer { unlink(taken) }
        try await withEmulatedTokens(EmulatorConfiguration(firstSerial: 801)) { emulator in
            let unauthenticated = await #expect(throws: EmulatorError.self) {
                try await emulator.startControlChannel(at: .tcp(host: "127.0.0.1", port: 0))
            }
            guard case .badControlAddress? = unauthenticated else { Issue.record("\(String(describing: unauthenticated))"); return }
            let pathTaken = await #expect(throws: EmulatorError.self) { try await emulator.startControlChannel(at: .unix(path: taken)) }
            #expect(pathTaken.map { "\($0)" }?.contains("unix:PATH (a PATH that does not exist yet) or tcp:127.0.0.1:PORT") == true)

            guard case .tcp(_, let port) = try await emulator.startControlChannel(at: .tcp(host: "127.0.0.1", port: 0), token: token) else {
                Issue.record("not bound on TCP")
                return
            }
            try Self.programSlot0(emulator.tokens[0].address)
            let stranger = try LineClient(loopbackPort: port)
            stranger.send("{\"press\": \"1-1\"}\n")
            #expect(stranger.closedWithoutAnswer())
            let client = try LineClient(loopbackPort: port)
            client.send("library-token-0123456789\n{\"press\": \"1-1\"}\n")
            #expect(client.readLine() == #"{"device":"1-1","slot":null,"typed":"755224"}"#, "the stranger's request pressed nothing")
        }
    }

    /// The umockdev testbed: a child run with `childEnvironment()` sees the tokens as USB devices through libusb,
    /// an unplug takes one away from it, and the testbed's folder is gone after the stop.
    @Test func aChildProcessSeesTheTokensAsUSBDevices() async throws {
        let otpkit = ProjectPaths.otpkit.path
        let emulator = try await RunningEmulator.start(EmulatorConfiguration([.openHOTP, .yubiKey], firstSerial: 900, localUSB: .umockdevTestbed))
        let environment = emulator.childEnvironment(["OTPKIT_DEVICE": "", "OTPKIT_PIN": ""])
        let folder = try #require(environment["UMOCKDEV_DIR"])
        #expect(environment["OTPKIT_EMULATOR_USBIP"] == "127.0.0.1:\(emulator.port)")
        /// An entry of `otpkit devices --json`.
        struct Listed: Decodable, Equatable {
            let address: String
            let family: String
        }
        let openHOTP = Listed(address: "usb:1:2", family: "OpenHOTP"), yubiKey = Listed(address: "usb:1:3", family: "YubiKey")
        let both = try Subprocess.run(otpkit, ["devices", "--json"], environment: environment, timeout: 30)
        #expect(try both.json([Listed].self) == [openHOTP, yubiKey], "\(both.stdout)\(both.stderr)")
        try emulator.unplug("1-2")
        let one = try Subprocess.run(otpkit, ["devices", "--json"], environment: environment, timeout: 30)
        #expect(try one.json([Listed].self) == [openHOTP], "\(one.stdout)\(one.stderr)")
        await emulator.stop()
        #expect(!FileManager.default.fileExists(atPath: folder), "the testbed's folder goes with the stop")
    }
}
