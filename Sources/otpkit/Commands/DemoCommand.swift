import ArgumentParser
import Foundation
import OTPCore
import TokenDrivers
import USBTransport

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show otpkit end to end on two emulated tokens.",
        discussion: """
        Starts `otpkit emulate` with two tokens on a free loopback port, programs a generated secret into each \
        over USB/IP, reads the counters, presses one token's button three times and checks each code against \
        otpkit's own HOTP and oathtool's, prints the seed record a verification server would receive, and stops \
        the emulator. The secrets are throwaway ones.
        """)

    func run() throws {
        try reportingFailures {
            let emulator = try EmulatorProcess.start(arguments: ["--tokens", "2", "--port", "0"])
            defer { emulator.stop() }
            print("1. Emulator started: two OpenHOTP tokens on \(emulator.listenAddress) (USB/IP).")

            var records: [SeedRecord] = []
            for address in emulator.tokenAddresses {
                let token = try TokenLocator.open(DeviceAddress(parsing: address))
                let secret = Secret.random(byteCount: 20)
                try token.driver.writeSlot(0, OpenHOTPSlotConfiguration(secret: secret, name: "demo"))
                let counter = try token.driver.readCounter(0)
                print("2. Programmed slot 0 of token \(token.serial) (\(address)) with a generated 20-byte secret; counter reads \(counter).")
                records.append(SeedRecord(serial: token.serial, slot: 0, family: "OpenHOTP", algorithm: .sha1, digits: 6,
                                          counter: counter, secret: secret))
            }

            let first = records[0]
            let token = try TokenLocator.open(DeviceAddress(parsing: emulator.tokenAddresses[0]))
            let reference = try HOTP(secret: first.secret)
            print("3. Three presses of token \(first.serial)'s button:")
            print("   counter  token    otpkit   oathtool")
            for _ in 0..<3 {
                let produced = try token.driver.generate(0)
                let expected = reference.code(counter: produced.counter)
                let oathtool = try Oathtool.hotp(secret: first.secret, counter: produced.counter, digits: 6)
                let verdict = produced.code == expected && expected == oathtool ? "match" : "MISMATCH"
                let counterColumn = String(produced.counter)
                print("   \(String(repeating: " ", count: max(0, 7 - counterColumn.count)))\(counterColumn)  \(produced.code)   \(expected)   \(oathtool)  \(verdict)")
                guard verdict == "match" else { throw CLIFailure("the codes disagree", code: .checkFailed) }
            }
            let counter = try token.driver.readCounter(0)
            print("   The token's counter now reads \(counter).")

            print("4. What the verification server receives for token \(first.serial) (seed record, counter as read back):")
            var handOff = first
            handOff.counter = counter
            try printJSON(handOff)
            print("5. Emulator stopped; nothing left running.")
        }
    }
}
