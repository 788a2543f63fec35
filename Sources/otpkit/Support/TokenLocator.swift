import Foundation
import TokenDrivers
import USBTransport

/// Chooses the token a command works on, from `--device`, `--serial`, OTPKIT_DEVICE, or what is present.
enum TokenLocator {
    /// Tokens on local USB plus, unless servers are named, the local USB/IP server when one is running.
    static func list(servers: [DeviceAddress]) async throws -> [TokenCandidate] {
        let listing = try await TokenDiscovery.find(servers: servers)
        for note in listing.notes { writeError("otpkit: \(note)\n") }
        return listing.candidates
    }

    static func open(device: String?, serial: String?) async throws -> TokenSession {
        let named = try (device ?? nonEmptyEnvironment("OTPKIT_DEVICE")).map { try DeviceAddress(parsing: $0) }
        switch named {
        case .usbip(_, _, nil)?, nil:
            let candidates = try await list(servers: named.map { [$0] } ?? []).filter { serial == nil || $0.serial == serial }
            let server = TokenDiscovery.defaultServer
            let place = named?.description ?? "this machine's USB or \(server.host):\(server.port)"
            switch candidates.count {
            case 1:
                return try await TokenSession.open(DeviceAddress(parsing: candidates[0].address))
            case 0:
                throw CLIFailure(serial.map { "no token with serial \($0) on \(place)" }
                                 ?? "no token found on \(place); plug one in, start `otpkit emulate`, or name one with --device",
                                 code: .unreachable)
            default:
                let names = candidates.map { "  \($0.address)  serial \($0.serial ?? "?")" }.joined(separator: "\n")
                throw CLIFailure("\(candidates.count) tokens found; choose one with --device or --serial:\n\(names)", code: .usage)
            }
        case let address?:
            let token = try await TokenSession.open(address)
            if let serial, token.serial != serial {
                throw CLIFailure("\(address) has serial \(token.serial), not \(serial)", code: .unreachable)
            }
            return token
        }
    }
}

extension ConnectedToken {
    /// The OpenHOTP token, or an error naming what the other family can do instead.
    func requireOpenHOTP(_ command: String) throws -> ConnectedOpenHOTP {
        switch self {
        case .openHOTP(let token): return token
        case .yubiKey:
            throw CLIFailure("`otpkit \(command)` needs an OpenHOTP token; \(address) is a YubiKey, whose OTP application has no such command", code: .refused)
        case .nitrokey:
            throw CLIFailure("`otpkit \(command)` needs an OpenHOTP token; \(address) is a Nitrokey (manage its PINs with the Nitrokey app)", code: .refused)
        }
    }

    /// Prints the transfer statistics on stderr when the token is closed (`--verbose`).
    func reportStatistics() {
        connection.whenClosed = { statistics in
            func milliseconds(_ duration: Duration) -> String { String(format: "%.1f", duration.seconds * 1000) }
            writeError("otpkit: \(statistics.address): \(statistics.transfers) control transfers taking "
                + "\(milliseconds(statistics.transferTime)) ms, \(milliseconds(statistics.openFor)) ms from open to close\n")
        }
    }
}
