import Foundation
import TestSupport
import Testing

/// otpkit through libusb against a real Linux kernel: Debian 12's kernel boots under QEMU, `usbip attach` makes the
/// emulated tokens (served by `otpkit emulate` on the host) real USB devices there, and otpkit drives them.
/// `make test` installs QEMU and busybox and caches the kernel in .cache/real-kernel (Tests/RealKernel/).
@Suite struct RealKernelTests {
    static let rfcKey = "3132333435363738393031323334353637383930"

    struct GuestStep {
        let output: String
        let status: Int
    }

    @Test func otpkitDrivesEmulatedTokensThroughLibusbInARealKernel() async throws {
        try await runBlocking {
            let kernel = ProjectPaths.root.appendingPathComponent(".cache/real-kernel/current")
            try #require(FileManager.default.fileExists(atPath: kernel.appendingPathComponent("vmlinuz").path),
                         "no cached kernel: run `make test` (it runs Tests/RealKernel/fetch-kernel.sh)")
            for tool in ["qemu-system-x86_64", "busybox", "usbip", "cpio", "ykinfo", "ykpersonalize", "gcc"] {
                try #require(Subprocess.which(tool) != nil, "\(tool) is missing: `make test` installs it")
            }
            let emulator = try EmulatorProcessFixture(tokens: 1, firstSerial: 424242)
            let faulty = try EmulatorProcessFixture(tokens: 1, firstSerial: 535353, extraArguments: ["--drop-after", "6"])
            let yubiKey = try EmulatorProcessFixture(tokens: 1, firstSerial: 7_777_777, extraArguments: ["--token", "yubikey"])
            let nitrokey = try EmulatorProcessFixture(tokens: 1, firstSerial: 3_141_592, extraArguments: ["--token", "nitrokey-pro"])
            defer {
                try? FileManager.default.removeItem(at: emulator.stateFolder)
                try? FileManager.default.removeItem(at: faulty.stateFolder)
                try? FileManager.default.removeItem(at: yubiKey.stateFolder)
                try? FileManager.default.removeItem(at: nitrokey.stateFolder)
            }
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-guest-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }

            let started = Date()
            let run = try Subprocess.run(ProjectPaths.root.appendingPathComponent("Tests/RealKernel/run-guest.sh").path,
                                         [ProjectPaths.otpkit.path, String(emulator.port), String(faulty.port), String(yubiKey.port), String(nitrokey.port), work.path,
                                          kernel.path, "420"])
            let log = (try? String(contentsOf: work.appendingPathComponent("serial.log"), encoding: .utf8)) ?? ""
            print("real-kernel test: QEMU run took \(Int(Date().timeIntervalSince(started))) s")
            #expect(run.status == 0, "QEMU exited with \(run.status) (124 = timeout): \(run.stderr)\n\(log.suffix(3000))")
            #expect(log.contains("OTPKIT-GUEST-DONE"), "the guest did not finish:\n\(log.suffix(3000))")
            let steps = Self.steps(in: log)
            func step(_ name: String) -> GuestStep {
                steps[name] ?? GuestStep(output: "(step \(name) missing)\n\(log.suffix(2000))", status: -1)
            }

            #expect(step("attach").status == 0, "\(step("attach").output)")
            #expect(step("hidraw-bound").output.contains("hidraw0"), "hid-generic bound the emulated token")
            let devices = step("devices")
            #expect(devices.status == 0 && devices.output.contains("OpenHOTP  1209:0001  serial 00424242  at /devices/platform/vhci_hcd"),
                    "\(devices.output)")
            #expect(step("info").output.contains("\"serial\" : 424242"), "\(step("info").output)")
            #expect(step("program").status == 0 && step("program").output.contains("Programmed slot 0 of token 00424242 (usb:"),
                    "\(step("program").output)")
            #expect(step("touch1").output == "755224\n", "\(step("touch1").output)")
            #expect(step("touch2").output == "287082\n", "\(step("touch2").output)")
            #expect(step("counter").output == "2\n", "\(step("counter").output)")
            #expect(step("hidraw-back").output.contains("hidraw0"), "the kernel's HID driver is reattached after otpkit")
            let permission = step("permission")
            #expect(permission.status == 2, "an ordinary user without the udev rules: \(permission.output)")
            #expect(permission.output.contains("no permission to use usb:1:2") && permission.output.contains("sudo make install-udev"),
                    "\(permission.output)")
            #expect(step("measured-cycle").output.contains("10 control transfers"), "\(step("measured-cycle").output)")
            #expect(step("erase").status == 0)
            #expect(step("counter-after-erase").status == 1 && step("counter-after-erase").output.contains("the slot is not programmed"))
            #expect(step("detach").status == 0)
            #expect(log.contains("OTPKIT-PROVISION rc=0"), "\(step("provision-log").output)")
            #expect(step("provision-log").output.contains("done 1, skipped 0, failed 0, uncertain 0"), "a token plugged in while provision waited: \(step("provision-log").output)")
            #expect(step("provision-touch").status == 0 && step("provision-touch").output.count == 7, "the provisioned slot gives codes: \(step("provision-touch").output)")
            #expect(step("devices-after-detach").output.contains("No tokens found"), "\(step("devices-after-detach").output)")
            let gone = step("info-after-detach")
            #expect(gone.status == 2 && gone.output.contains("no supported token at usb:1:2"), "unplugged between commands: \(gone.output)")

            let unplugged = step("unplug-mid-write")
            #expect(unplugged.status == 2, "\(unplugged.output)")
            #expect(unplugged.output.contains("was unplugged"), "\(unplugged.output)")

            let watch = step("watch").output
            #expect(watch.contains("+ usb:1:2  OpenHOTP  serial 00424242"), "\(watch)")
            #expect(watch.contains("- usb:1:2  OpenHOTP"), "\(watch)")
            #expect(watch.contains("serial 00535353"), "\(watch)")
            // Figures for the issue notes: one CLI program+readback through libusb in the guest, and five in a row.
            let lines = log.replacingOccurrences(of: "\r", with: "").split(separator: "\n")
            for timing in lines where timing.hasPrefix("OTPKIT-TIMING") { print("real-kernel test: \(timing)") }
            print("real-kernel test: \(step("measured-cycle").output.split(separator: "\n").last ?? "")")

            // Yubico's tools and otpkit on the emulated YubiKey in the guest; the host presses its buttons.
            #expect(step("ykinfo").status == 0 && step("ykinfo").output.contains("serial: 7777777"), "\(step("ykinfo").output)")
            #expect(step("ykinfo").output.contains("version: 2.4.3"))
            #expect(step("ykpersonalize").status == 0, "\(step("ykpersonalize").output)")
            #expect(step("yubikey-info").output.contains("Slot 1     programmed"), "\(step("yubikey-info").output)")
            #expect(step("yubikey-program").status == 0, "\(step("yubikey-program").output)")
            #expect(step("yubikey-counter").status == 1 && step("yubikey-counter").output.contains("cannot report its HOTP counter"))
            let oathtool = try #require(Subprocess.which("oathtool"))
            for (slot, counter) in [(1, 0), (2, 16)] {
                let expected = try Subprocess.run(oathtool, ["--hotp", "-c", String(counter), Self.rfcKey]).stdout
                #expect(try yubiKey.press("1-1", slot: slot) == expected.trimmingCharacters(in: .whitespacesAndNewlines), "slot \(slot)")
            }
            print("real-kernel test: YubiKey \(step("yubikey-program").output.split(separator: "\n").last ?? "")")

            // libnitrokey and otpkit on the emulated Nitrokey Pro in the guest.
            let nk = step("nk-check").output
            #expect(step("nk-check").status == 0 && nk.contains("serial 3141592"), "\(nk)")
            #expect(nk.contains("wrong-pin status=4 retries=2") && nk.contains("right-pin status=0 retries=3"), "\(nk)")
            #expect(nk.contains("read status=0 name=otpkit counter=5"), "\(nk)")
            let codes = try Subprocess.run(oathtool, ["--hotp", "-c", "5", "-w", "2", Self.rfcKey]).stdout.split(separator: "\n")
            #expect(nk.split(separator: "\n").filter { $0.hasPrefix("code ") } == codes.map { "code \($0) status=0" }, "\(nk)")
            #expect(step("nitrokey-program").status == 0, "\(step("nitrokey-program").output)")
            let seventh = try Subprocess.run(oathtool, ["--hotp", "-c", "7", Self.rfcKey]).stdout
            #expect(step("nitrokey-touch").output == seventh, "\(step("nitrokey-touch").output)")
            #expect(step("nitrokey-counter").output == "8\n")
            print("real-kernel test: Nitrokey \(step("nitrokey-program").output.split(separator: "\n").last ?? "")")

            // The write that the unplug interrupted never reached the token: its slot is still empty.
            let after = try Subprocess.run(ProjectPaths.otpkit.path, ["info", "--device", "\(faulty.server)/1-1", "--json"])
            #expect(after.status == 0, "\(after.stderr)")
            let slots = try after.json(CLIOutput.OpenHOTPInfo.self).slots
            #expect(!slots.isEmpty && slots.allSatisfy { !$0.programmed }, "\(after.stdout)")
        }
    }

    /// OTPKIT-BEGIN name / ... / OTPKIT-END name rc=N blocks, kernel messages left out.
    static func steps(in log: String) -> [String: GuestStep] {
        var steps: [String: GuestStep] = [:]
        var current: String?
        var lines: [String] = []
        for line in log.replacingOccurrences(of: "\r", with: "").split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("OTPKIT-BEGIN ") {
                current = String(line.dropFirst("OTPKIT-BEGIN ".count))
                lines = []
            } else if let name = current, line.hasPrefix("OTPKIT-END \(name) rc=") {
                let status = Int(line.split(separator: "=").last ?? "") ?? -1
                steps[name] = GuestStep(output: lines.map { $0 + "\n" }.joined(), status: status)
                current = nil
            } else if current != nil, !line.hasPrefix("[") {
                lines.append(String(line))
            }
        }
        return steps
    }
}
