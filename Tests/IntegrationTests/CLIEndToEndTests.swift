import Foundation
import OTPCore
import TestSupport
import Testing

/// `otpkit emulate` in its own process, driven by the `otpkit` CLI over USB/IP, as a person would.
@Suite(.serialized) struct CLIEndToEndTests {
    static let rfcKey = "3132333435363738393031323334353637383930"

    @Test func programTouchCounterEraseOverUSBIP() throws {
        let emulator = try EmulatorProcessFixture(tokens: 2)
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }

        let devices = try otpkit("devices", "--usbip", "127.0.0.1:\(emulator.port)", "--json")
        #expect(devices.status == 0, "\(devices.stderr)")
        let listed = try devices.json([CLIOutput.Device].self)
        #expect(listed.map(\.serial) == ["10000001", "10000002"] && listed.allSatisfy { $0.family == "OpenHOTP" && !$0.busy }, "\(devices.stdout)")
        #expect(listed.map(\.address) == [emulator.device(1), emulator.device(2)])

        let ambiguous = try otpkit("info", "--device", emulator.server)
        #expect(ambiguous.status == 64)
        #expect(ambiguous.stderr.contains("2 tokens found; choose one with --device or --serial"))

        let program = try otpkit("program", "--device", emulator.server, "--serial", "10000002", "--slot", "1",
                                 "--secret", Self.rfcKey, "--name", "rfc", "--json")
        #expect(program.status == 0, "\(program.stderr)")
        let programmed = try program.json(CLIOutput.Program.self)
        #expect((programmed.serial, programmed.slot, programmed.address) == ("10000002", 1, emulator.device(2)), "\(program.stdout)")
        #expect(!program.stdout.contains(Self.rfcKey), "a given secret is not echoed")

        let device = emulator.device(2)
        #expect(try otpkit("touch", "--device", device, "--slot", "1").stdout == "755224\n")
        #expect(try otpkit("touch", "--device", device, "--slot", "1").stdout == "287082\n")
        #expect(try otpkit("counter", "--device", device, "--slot", "1").stdout == "2\n")
        let info = try otpkit("info", "--device", device, "--json")
        let slot = try #require(try info.json(CLIOutput.OpenHOTPInfo.self).slots.first { $0.slot == 1 })
        #expect(slot.programmed && slot.name == "rfc" && slot.counter == 2, "\(info.stdout)")
        #expect(!info.stdout.contains(Self.rfcKey) && !info.stdout.contains("GEZDGNBV"), "info never shows a secret")

        let again = try otpkit("program", "--device", device, "--slot", "1", "--generate")
        #expect(again.status == 1)
        #expect(again.stderr.contains("slot 1 of token 10000002 is programmed already; add --force"))
        #expect(try otpkit("counter", "--device", device, "--slot", "1").stdout == "2\n", "the refused program changed nothing")

        let erase = try otpkit("erase", "--device", device, "--slot", "1", "--force")
        #expect(erase.status == 0)
        let empty = try otpkit("counter", "--device", device, "--slot", "1")
        #expect(empty.status == 1)
        #expect(empty.stderr == "otpkit: error: the slot is not programmed\n")
    }

    @Test func generatedSecretsMatchOathtoolAndSurviveARestart() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-it-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var emulator = try EmulatorProcessFixture(tokens: 1, stateFolder: folder)
        let seedFile = folder.appendingPathComponent("seed.json").path
        let program = try otpkit("program", "--device", emulator.device(1), "--generate", "--digits", "8",
                                 "--algorithm", "sha256", "--counter", "100", "--seed-file", seedFile)
        #expect(program.status == 0, "\(program.stderr)")
        let record = try JSONDecoder().decode(SeedRecord.self, from: Data(contentsOf: URL(fileURLWithPath: seedFile)))
        #expect(!program.stdout.contains(record.secret.hex), "with --seed-file the secret stays off the screen")
        #expect(record.counter == 100 && record.digits == 8 && record.algorithm == .sha256)

        let code = try otpkit("touch", "--device", emulator.device(1), "--json").json(CLIOutput.Code.self)
        let expected = try HOTP(secret: record.secret, algorithm: .sha256, digits: 8).code(counter: 100)
        #expect((code.slot, code.counter, code.code) == (0, 100, expected))

        emulator.stop()
        emulator = try EmulatorProcessFixture(tokens: 1, stateFolder: folder)
        #expect(try otpkit("counter", "--device", emulator.device(1)).stdout == "101\n", "the counter survived the restart")
        let next = try otpkit("touch", "--device", emulator.device(1))
        let oathtool = try Subprocess.run(try #require(Subprocess.which("oathtool")),
                                          ["--totp=sha256", "--time-step-size=30", "--now=@\(101 * 30)", "--digits=8", record.secret.hex])
        #expect(next.stdout == oathtool.stdout)
    }

    @Test func adminPINProtectsAndLocks() throws {
        let emulator = try EmulatorProcessFixture(tokens: 1)
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }
        let device = emulator.device(1)
        #expect(try otpkit("pin", "set", "--device", device, "--new-pin", "246810").status == 0)

        let noPIN = try otpkit("program", "--device", device, "--generate")
        #expect(noPIN.status == 64, "asked for before the token is touched: no try is spent")
        #expect(noPIN.stderr.contains("the OpenHOTP admin PIN is needed: give it with --pin"), "\(noPIN.stderr)")
        let withPIN = try otpkit("program", "--device", device, "--secret", Self.rfcKey, environment: ["OTPKIT_PIN": "246810"])
        #expect(withPIN.status == 0, "\(withPIN.stderr)")

        let wrong = try otpkit("erase", "--device", device, "--force", "--pin", "000000")
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("wrong admin PIN (2 tries left before the token locks)"))
        _ = try otpkit("pin", "verify", "--device", device, "--pin", "000000")
        let locked = try otpkit("pin", "verify", "--device", device, "--pin", "000000")
        #expect(locked.stderr.contains("locked"))
        let stillLocked = try otpkit("erase", "--device", device, "--force", "--pin", "246810")
        #expect(stillLocked.status == 1)
        #expect(try otpkit("counter", "--device", device).stdout == "0\n", "the slot survived every refused erase")

        #expect(try otpkit("reset", "--device", device, "--force").status == 0)
        let info = try otpkit("info", "--device", device, "--json").json(CLIOutput.OpenHOTPInfo.self)
        #expect(!info.device.pinSet && !info.device.pinLocked, "the reset took the PIN")
        #expect(!info.slots.isEmpty && info.slots.allSatisfy { !$0.programmed }, "and every slot")
    }

    @Test func badInputGivesOneLineAndTheDocumentedExitCode() throws {
        let emulator = try EmulatorProcessFixture(tokens: 1)
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }
        let device = emulator.device(1)
        let cases: [([String], Int32, String)] = [
            (["program", "--device", device, "--secret", "ZZ!!"], 64, "invalid base32 character at position 3"),
            (["program", "--device", device, "--secret", "abcd"], 64, "the secret is 2 bytes; OpenHOTP tokens take 16 to 64 bytes"),
            (["program", "--device", device, "--generate", "--digits", "11"], 64, "--digits must be between 6 and 10"),
            (["program", "--device", device, "--generate", "--algorithm", "md5"], 64, "'md5' is invalid for '--algorithm"),
            (["program", "--device", device, "--generate", "--secret", "x"], 64, "give exactly one of --secret and --generate"),
            (["counter", "--device", device, "--slot", "9"], 1, "no such slot on this token"),
            (["touch", "--device", device], 1, "the slot is not programmed"),
            (["info", "--device", "hid:/dev/hidraw0"], 64, "unsupported device address"),
            (["info", "--device", "usb:1:2"], 2, "no supported token at usb:1:2"),
            (["info", "--device", "\(emulator.server)/4-4"], 2, "has no device 4-4"),
            (["info", "--device", "usbip://127.0.0.1:1/1-1"], 2, "cannot connect to USB/IP server 127.0.0.1:1"),
        ]
        for (arguments, status, message) in cases {
            let result = try Subprocess.run(ProjectPaths.otpkit.path, arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(try otpkit("info", "--device", device).status == 0, "the emulator is still serving")
    }

    @Test func aStoppedEmulatorIsReportedAsUnreachable() throws {
        let emulator = try EmulatorProcessFixture(tokens: 1)
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }
        emulator.stop()
        let result = try otpkit("info", "--device", emulator.device(1))
        #expect(result.status == 2)
        #expect(result.stderr.contains("Connection refused"))
    }

    @Test func helpTeachesTheExitCodes() throws {
        let help = try otpkit("--help")
        #expect(help.stdout.contains("Exit codes:"))
        #expect(help.stdout.contains("64  bad command line"))
        let program = try otpkit("program", "--help")
        #expect(program.stdout.contains("--seed-file"))
    }
}

/// A token pulled out in the middle of a multi-report write, over the user-space USB/IP client.
@Suite struct UnplugMidWriteTests {
    @Test func theInterruptedWriteLeavesTheSlotAsItWas() throws {
        // Six feature-report transfers are info, read slot and the staged secret: WRITE_SLOT never arrives.
        let emulator = try EmulatorProcessFixture(tokens: 1, extraArguments: ["--drop-after", "6"])
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }
        let program = try otpkit("program", "--device", emulator.device(1), "--secret", CLIEndToEndTests.rfcKey)
        #expect(program.status == 2, "\(program.stderr)")
        #expect(program.stderr.contains("the token disconnected"), "\(program.stderr)")
        let info = try otpkit("info", "--device", emulator.device(1), "--json")
        #expect(info.status == 0)
        #expect(try info.json(CLIOutput.OpenHOTPInfo.self).slots.first?.programmed == false, "\(info.stdout)")
    }

    @Test func aStallingTokenIsReportedAsSuch() throws {
        let emulator = try EmulatorProcessFixture(tokens: 1, extraArguments: ["--stall-reports"])
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }
        let info = try otpkit("info", "--device", emulator.device(1))
        #expect(info.status == 3, "\(info.stderr)")
        #expect(info.stderr.contains("STALL") && info.stderr.contains("SET_REPORT"), "\(info.stderr)")
    }
}

/// The same CLI commands against an emulated YubiKey (USB/IP), with its family's rules.
@Suite struct YubiKeyCLITests {
    @Test func programInfoCounterEraseOnAYubiKey() throws {
        let emulator = try EmulatorProcessFixture(tokens: 1, firstSerial: 5000, extraArguments: ["--token", "yubikey"])
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }
        let device = emulator.device(1)
        let key = CLIEndToEndTests.rfcKey
        let odd = try otpkit("program", "--device", device, "--secret", key, "--counter", "40")
        #expect(odd.status == 64 && odd.stderr.contains("in steps of 16"), "\(odd.stderr)")
        let rounded = try otpkit("program", "--device", device, "--secret", key, "--counter", "40", "--round-imf", "--json")
        #expect(rounded.status == 0, "\(rounded.stderr)")
        #expect(try rounded.json(CLIOutput.Program.self).slot == 1, "\(rounded.stdout)")
        let info = try otpkit("info", "--device", device, "--json").json(CLIOutput.YubiKeyInfo.self)
        #expect(info.family == "YubiKey" && info.serial == "5000")
        #expect(info.slots == [.init(slot: 1, programmed: true), .init(slot: 2, programmed: false)])
        let counter = try otpkit("counter", "--device", device)
        #expect(counter.status == 1 && counter.stderr.contains("cannot report its HOTP counter"))
        let again = try otpkit("program", "--device", device, "--slot", "1", "--secret", key, "--new-access-code", "010203040506", "--force")
        #expect(again.status == 0, "\(again.stderr)")
        let refused = try otpkit("erase", "--device", device, "--force")
        #expect(refused.status == 1 && refused.stderr.contains("wrong or missing access code"))
        #expect(try otpkit("erase", "--device", device, "--force", "--access-code", "010203040506").status == 0)
        #expect(try otpkit("info", "--device", device, "--json").json(CLIOutput.YubiKeyInfo.self).slots.allSatisfy { !$0.programmed })
        let short = try otpkit("program", "--device", device, "--generate", "--secret-bytes", "32")
        #expect(short.status == 64 && short.stderr.contains("20-byte secret"))
    }
}

/// The same CLI commands against an emulated Nitrokey Pro (USB/IP): the admin PIN from a file or the environment.
@Suite struct NitrokeyCLITests {
    @Test func programCounterTouchEraseOnANitrokey() throws {
        let emulator = try EmulatorProcessFixture(tokens: 1, firstSerial: 2718, extraArguments: ["--token", "nitrokey-pro"])
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }
        let device = emulator.device(1)
        let noPIN = try otpkit("program", "--device", device, "--secret", CLIEndToEndTests.rfcKey, input: "")
        #expect(noPIN.status == 64 && noPIN.stderr.contains("--pin-file, OTPKIT_PIN or at the prompt"), "\(noPIN.stderr)")
        let pinFile = emulator.stateFolder.appendingPathComponent("pin").path
        try FileManager.default.createDirectory(at: emulator.stateFolder, withIntermediateDirectories: true)
        try "12345678\n".write(toFile: pinFile, atomically: true, encoding: .utf8)
        let program = try otpkit("program", "--device", device, "--slot", "1", "--secret", CLIEndToEndTests.rfcKey, "--counter", "3",
                                 "--pin-file", pinFile)
        #expect(program.status == 0, "\(program.stderr)")
        #expect(try otpkit("counter", "--device", device, "--slot", "1").stdout == "3\n")
        #expect(try otpkit("touch", "--device", device, "--slot", "1").stdout == "969429\n", "RFC 4226 counter 3")
        #expect(try otpkit("counter", "--device", device, "--slot", "1").stdout == "4\n")
        let wrong = try otpkit("erase", "--device", device, "--slot", "1", "--force", environment: ["OTPKIT_PIN": "00000000"])
        #expect(wrong.status == 1 && wrong.stderr.contains("wrong admin PIN (2 tries left)"), "\(wrong.stderr)")
        #expect(try otpkit("erase", "--device", device, "--slot", "1", "--force", environment: ["OTPKIT_PIN": "12345678"]).status == 0)
        let info = try otpkit("info", "--device", device, "--json").json(CLIOutput.NitrokeyInfo.self)
        #expect(info.status.serial == 2718 && info.adminRetries == 3, "the right PIN restored the tries")
        #expect(info.slots.count == 3 && info.slots[1] == nil, "slot 1 is erased")
    }
}
