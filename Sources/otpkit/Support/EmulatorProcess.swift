import Foundation

/// `otpkit emulate` run as a child process, for the demo: started on a free port, stopped with SIGTERM.
final class EmulatorProcess {
    let child: OwnCommandProcess
    let listenAddress: String
    let tokenAddresses: [String]

    /// Starts `otpkit emulate` with `arguments` and waits until it has printed its address and `tokens` token lines.
    static func start(arguments: [String], tokens: Int = 2) throws -> EmulatorProcess {
        let child = try OwnCommandProcess(["emulate"] + arguments, name: "the emulator") { lines in
            lines.first?.hasPrefix("listening on ") == true && lines.filter({ $0.hasPrefix("usbip://") }).count >= tokens
        }
        return EmulatorProcess(child: child, listenAddress: String(child.lines[0].dropFirst("listening on ".count)),
                               tokenAddresses: child.lines.filter { $0.hasPrefix("usbip://") }.map { String($0.split(separator: " ")[0]) })
    }

    private init(child: OwnCommandProcess, listenAddress: String, tokenAddresses: [String]) {
        self.child = child
        self.listenAddress = listenAddress
        self.tokenAddresses = tokenAddresses
    }

    static var ownExecutable: URL { OwnCommandProcess.ownExecutable }

    func stop() { child.stop() }
}
