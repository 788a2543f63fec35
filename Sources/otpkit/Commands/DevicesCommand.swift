import ArgumentParser
import Foundation
import USBTransport

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the tokens otpkit can reach.",
        discussion: "Asks each USB/IP server for its devices and reads the serial of each supported token. "
            + "A token another program holds shows as busy.")

    @Option(name: .long, help: ArgumentHelp("A USB/IP server to ask (repeatable; default: 127.0.0.1:3240).",
                                            valueName: "host:port"))
    var usbip: [String] = []

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingFailures {
            let servers = try (usbip.isEmpty ? [TokenLocator.defaultServer] : usbip.map { $0.hasPrefix("usbip://") ? $0 : "usbip://\($0)" })
                .map { try DeviceAddress(parsing: $0) }
            let tokens = try TokenLocator.list(servers: servers)
            if json { return try printJSON(tokens) }
            if tokens.isEmpty {
                print("No tokens found on \(servers.map(\.description).joined(separator: ", ")).")
                return
            }
            for token in tokens {
                let detail = token.busy ? "busy (in use by another client)" : "serial \(token.serial ?? "?")  firmware \(token.firmware ?? "?")"
                print("\(token.address)  \(token.family)  \(token.vendorID):\(token.productID)  \(detail)")
            }
        }
    }
}
