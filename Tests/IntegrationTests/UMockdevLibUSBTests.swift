import Foundation
import TestSupport
import Testing

/// otpkit's libusb transport, unchanged, against an emulated token in user space: `otpkit emulate -- COMMAND` puts
/// the token into a umockdev testbed (fake sysfs and /dev/bus/usb) and answers libusb's usbdevfs ioctls in its own
/// process through libumockdev. The fast companion of the real-kernel test.
@Suite(.serialized) struct UMockdevLibUSBTests {
    static let preload = "/usr/lib/x86_64-linux-gnu/libumockdev-preload.so.0"

    /// `otpkit emulate ... -- COMMAND` whose COMMAND only reports the testbed and waits for its standard input to
    /// close: libusb clients then run beside it with `environment`, and the control channel presses buttons.
    final class Bridge {
        let process = Process()
        let input = Pipe()
        let output: ChildOutputReader
        let environment: [String: String]
        let device = "usb:1:2"
        let usbip: String
        let controlPath: String
        let stateFolder: URL

        init(firstSerial: Int, extraArguments: [String] = []) throws {
            try #require(FileManager.default.fileExists(atPath: UMockdevLibUSBTests.preload),
                         "umockdev is missing: `make test` installs umockdev and libumockdev-dev")
            stateFolder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-umockdev-\(UUID().uuidString)")
            controlPath = "/tmp/otpkit-umockdev-\(UUID().uuidString.prefix(8)).sock"
            process.executableURL = ProjectPaths.otpkit
            process.arguments = ["emulate", "--tokens", "1", "--first-serial", String(firstSerial), "--state", stateFolder.path,
                                 "--control", "unix:\(controlPath)"] + extraArguments
                + ["--", "/bin/sh", "-c", "echo \"UMOCKDEV_DIR=$UMOCKDEV_DIR\"; echo \"USBIP=$OTPKIT_EMULATOR_USBIP\"; exec cat >/dev/null"]
            process.standardInput = input
            process.standardError = FileHandle.standardError
            output = try ChildOutputReader(launching: process, name: "otpkit emulate -- sh")
            let testbed = try output.waitForLine(startingWith: "UMOCKDEV_DIR=").dropFirst("UMOCKDEV_DIR=".count)
            usbip = String(try output.waitForLine(startingWith: "USBIP=").dropFirst("USBIP=".count))
            environment = ["LD_PRELOAD": UMockdevLibUSBTests.preload, "UMOCKDEV_DIR": String(testbed),
                           "OTPKIT_DEVICE": "", "OTPKIT_PIN": ""]
        }

        enum BridgeError: Error { case noAnswer(String) }

        /// The same token over the emulator's USB/IP server.
        func usbipDevice(_ index: Int) -> String { "usbip://\(usbip)/1-\(index)" }

        /// Presses the token's button through the control channel; returns what it typed.
        func press(_ busID: String, slot: Int) throws -> String {
            let client = try LineClient(path: controlPath)
            client.send("{\"press\": \"\(busID)\", \"slot\": \(slot)}\n")
            let reply = try #require(client.readLine(), "no answer from the control channel")
            let object = try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any]
            guard let typed = object?["typed"] as? String else { throw BridgeError.noAnswer(reply) }
            return typed
        }

        /// Runs otpkit as a libusb client of the testbed.
        func otpkit(_ arguments: String...) throws -> ProcessResult {
            try Subprocess.run(ProjectPaths.otpkit.path, arguments, environment: environment)
        }

        /// Runs another libusb program (vendor tools) against the testbed.
        func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> ProcessResult {
            try Subprocess.run(executable, arguments, input: input, environment: environment)
        }

        deinit {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: stateFolder)
        }
    }

    @Test func programTouchCounterEraseThroughLibusb() throws {
        let bridge = try Bridge(firstSerial: 777)
        #expect(bridge.device == "usb:1:2")

        let devices = try bridge.otpkit("devices", "--json")
        let local = try #require(try devices.json([CLIOutput.Device].self).first { $0.address == "usb:1:2" }, "\(devices.stdout)\(devices.stderr)")
        #expect((local.family, local.vendorID, local.productID, local.serial) == ("OpenHOTP", "1209", "0001", "00000777"))
        let program = try bridge.otpkit("program", "--secret", "3132333435363738393031323334353637383930", "--verbose", "--json")
        #expect(program.status == 0, "\(program.stderr)")
        let programmed = try program.json(CLIOutput.Program.self)
        #expect((programmed.slot, programmed.serial, programmed.address) == (0, "00000777", "usb:1:2"), "\(program.stdout)")
        #expect(program.stderr.contains("usb:1:2: 10 control transfers"), "\(program.stderr)")
        #expect(try bridge.otpkit("touch", "--device", "usb:serial=00000777").stdout == "755224\n")
        #expect(try bridge.otpkit("touch", "--device", "usb:1:2").stdout == "287082\n")
        #expect(try bridge.otpkit("counter").stdout == "2\n")
        #expect(try bridge.otpkit("erase", "--force").status == 0)
        let empty = try bridge.otpkit("counter")
        #expect(empty.status == 1 && empty.stderr.contains("the slot is not programmed"))
        let missing = try bridge.otpkit("info", "--device", "usb:1:9")
        #expect(missing.status == 2 && missing.stderr.contains("no supported token at usb:1:9"), "\(missing.stderr)")
    }

    @Test func aSecondProcessFindsTheInterfaceHeld() throws {
        let bridge = try Bridge(firstSerial: 778, extraArguments: ["--no-auto-touch"])
        #expect(try bridge.otpkit("program", "--touch", "--secret", "3132333435363738393031323334353637383930").status == 0)

        // `touch` on a touch slot holds the claimed interface while it waits for the button nobody presses.
        let holder = Process()
        holder.executableURL = ProjectPaths.otpkit
        holder.arguments = ["touch"]
        holder.environment = ProcessInfo.processInfo.environment.merging(bridge.environment) { $1 }
        let holderOutput = try ChildOutputReader(launching: holder, name: "otpkit touch")
        try holderOutput.waitForLine(containing: "Touch the token's button")

        let second = try bridge.otpkit("counter")
        #expect(second.status == 2, "\(second.stderr)")
        #expect(second.stderr.contains("another program holds"), "\(second.stderr)")
        kill(holder.processIdentifier, SIGKILL)  // umockdev's preload holds SIGTERM back while an ioctl runs
        holder.waitUntilExit()
        // umockdev notices the vanished client within about a second, and its claim goes with it.
        var released = try bridge.otpkit("counter")
        for _ in 0..<25 where released.status != 0 {
            Thread.sleep(forTimeInterval: 0.2)
            released = try bridge.otpkit("counter")
        }
        #expect(released.stdout == "0\n", "the claim is released when the holder goes: \(released.stderr)")
    }

    @Test func aTokenPulledOutMidWriteKeepsItsOldSlot() throws {
        // Six feature-report transfers are info, read slot and the staged secret: WRITE_SLOT never arrives.
        let bridge = try Bridge(firstSerial: 779, extraArguments: ["--drop-after", "6"])
        let program = try bridge.otpkit("program", "--secret", "3132333435363738393031323334353637383930")
        #expect(program.status == 2, "\(program.stderr)")
        #expect(program.stderr.contains("was unplugged"), "\(program.stderr)")
        let after = try otpkit("info", "--device", bridge.usbipDevice(1), "--json")
        #expect(try after.json(CLIOutput.OpenHOTPInfo.self).slots.first?.programmed == false, "\(after.stdout)\(after.stderr)")
    }

    @Test func aStallingTokenIsReportedAsSuch() throws {
        let bridge = try Bridge(firstSerial: 782, extraArguments: ["--stall-reports"])
        let info = try bridge.otpkit("info")
        #expect(info.status == 3, "\(info.stderr)")
        #expect(info.stderr.contains("usb:1:2 stalled during SET_REPORT"), "\(info.stderr)")
    }
}
