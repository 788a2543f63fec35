import ArgumentParser
import DispatchExecutors
import Foundation
import TokenDrivers
import USBTransport

struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the tokens otpkit can reach, or watch them come and go.",
        discussion: """
        Without --usbip, lists the supported tokens on this machine's USB buses (found through udev: serial, product \
        and where each is plugged in) and those of the USB/IP server on 127.0.0.1:3240 when one runs. With --usbip, \
        asks those servers instead. A USB/IP token another program holds shows as busy.

        --watch then prints a line for each token plugged in (+) or pulled out (-) on this machine until Ctrl-C \
        (or --duration seconds).
        """)

    @Option(name: .long, help: ArgumentHelp("A USB/IP server to ask (repeatable).", valueName: "host:port"))
    var usbip: [String] = []

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: "Keep running and report tokens arriving and leaving.")
    var watch = false

    @Option(name: .long, help: ArgumentHelp("With --watch: stop after this many seconds.", valueName: "seconds"))
    var duration: Seconds?

    func run() async throws {
        try await reportingFailures {
            let servers = try usbip.map { try DeviceAddress(parsing: $0.hasPrefix("usbip://") ? $0 : "usbip://\($0)") }
            let monitor = watch ? try HotplugWatch() : nil  // listening before the listing, so no arrival falls between
            let tokens = try await TokenLocator.list(servers: servers)
            if json && !watch { return try printJSON(tokens) }
            if tokens.isEmpty && !watch {
                print("No tokens found. Plug one in, or start `otpkit emulate` (and see `otpkit devices --help`).")
            }
            for token in tokens { emit(describe(token)) }
            guard let monitor else { return }
            // Said once the monitor listens and the tokens present are listed: a token plugged in from now on is a `+` line.
            writeError("otpkit: watching for tokens arriving and leaving (Ctrl-C ends)\n")
            let deadline = duration.map { Date().addingTimeInterval($0.value) } ?? .distantFuture
            while deadline.timeIntervalSinceNow > 0 {
                switch await monitor.next(timeout: min(deadline.timeIntervalSinceNow, 3600)) {
                case .arrived(let token)?: emit("+ \(token.address)  \(token.family.rawValue)  serial \(token.serial ?? "?")  at \(token.devicePath)")
                case .left(let token)?: emit("- \(token.address)  \(token.family.rawValue)  at \(token.devicePath)")
                case nil: continue
                }
            }
        }
    }

    private func describe(_ token: TokenCandidate) -> String {
        let detail = token.busy ? "busy (in use by another client)" : "serial \(token.serial ?? "?")"
        let place = token.devicePath.map { "  at \($0)" } ?? ""
        return "\(token.address)  \(token.family.rawValue)  \(token.vendorID):\(token.productID)  \(detail)\(place)"
    }
}

/// libudev's hotplug monitor on a queue of its own: its wait blocks.
private actor HotplugWatch {
    private let executor = SerialQueueExecutor(label: "otpkit.devices-watch")
    private let monitor: UDevMonitor

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init() throws(TransportError) { monitor = try UDevMonitor() }

    func next(timeout: TimeInterval) -> UDevMonitor.Event? { monitor.next(timeout: timeout) }
}
