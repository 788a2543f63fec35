import Foundation
import TokenDrivers
import USBTransport

/// An opened token of any supported family.
enum OpenedDevice {
    case openHOTP(OpenedToken)
    case yubiKey(OpenedYubiKey)
    case nitrokey(OpenedNitrokey)

    var address: DeviceAddress {
        switch self {
        case .openHOTP(let token): token.address
        case .yubiKey(let key): key.connection.address
        case .nitrokey(let key): key.connection.address
        }
    }

    var serial: String {
        switch self {
        case .openHOTP(let token): token.serial
        case .yubiKey(let key): key.serial
        case .nitrokey(let key): String(key.status.serial)
        }
    }

    /// The OpenHOTP token, or an error naming what the other family can do instead.
    func requireOpenHOTP(_ command: String) throws -> OpenedToken {
        switch self {
        case .openHOTP(let token): return token
        case .yubiKey:
            throw CLIFailure("`otpkit \(command)` needs an OpenHOTP token; \(address) is a YubiKey, whose OTP application has no such command", code: .refused)
        case .nitrokey:
            throw CLIFailure("`otpkit \(command)` needs an OpenHOTP token; \(address) is a Nitrokey (manage its PINs with the Nitrokey app)", code: .refused)
        }
    }

    /// Print transfer statistics on stderr when the token is closed (`--verbose`).
    func reportStatistics() {
        switch self {
        case .openHOTP(let token): token.statistics.enabled = true
        case .yubiKey(let key): key.statistics.enabled = true
        case .nitrokey(let key): key.statistics.enabled = true
        }
    }
}

/// Control transfers and time from open to close, printed when the token is released (`--verbose`).
final class TransferStatistics {
    var enabled = false
    private let opened = ContinuousClock.now

    func report(_ connection: TokenConnection) {
        guard enabled else { return }
        let channel = connection.channel
        func milliseconds(_ duration: Duration) -> String { String(format: "%.1f", duration.seconds * 1000) }
        writeError("otpkit: \(connection.address): \(channel.transfers) control transfers taking "
            + "\(milliseconds(channel.transferTime)) ms, \(milliseconds(ContinuousClock.now - opened)) ms from open to close\n")
    }
}

/// An opened YubiKey: its driver, status and serial.
final class OpenedYubiKey {
    let connection: TokenConnection
    let driver: YubiKeyDriver
    let status: YubiKeyStatus
    let serial: String
    let statistics = TransferStatistics()

    init(connection: TokenConnection) throws {
        self.connection = connection
        driver = YubiKeyDriver(channel: connection.channel)
        status = try driver.status()
        serial = String(try driver.serial())
    }

    deinit { statistics.report(connection) }
}

/// An opened Nitrokey Pro or Storage: its driver and status.
final class OpenedNitrokey {
    let connection: TokenConnection
    let driver: NitrokeyDriver
    let status: NitrokeyDriver.Status
    let statistics = TransferStatistics()

    init(connection: TokenConnection) throws {
        self.connection = connection
        driver = NitrokeyDriver(channel: connection.channel)
        status = try driver.status()
    }

    deinit { statistics.report(connection) }
}

/// An opened OpenHOTP token with its driver and identity.
final class OpenedToken {
    let connection: TokenConnection
    let driver: OpenHOTPDriver
    let info: OpenHOTPDeviceInfo
    let statistics = TransferStatistics()

    init(connection: TokenConnection) throws {
        self.connection = connection
        self.driver = OpenHOTPDriver(channel: connection.channel)
        self.info = try driver.info()
    }

    deinit { statistics.report(connection) }

    var address: DeviceAddress { connection.address }
    var serial: String { String(format: "%08u", info.serial) }
}

/// Chooses the token a command works on, from `--device`, `--serial`, OTPKIT_DEVICE, or what is present.
enum TokenLocator {
    static let defaultServer = (host: "127.0.0.1", port: 3240)

    /// Tokens on local USB plus, unless servers are named, the local USB/IP server when one is running.
    static func list(servers: [DeviceAddress]) throws -> [TokenCandidate] {
        var candidates: [TokenCandidate] = []
        if servers.isEmpty {
            do {
                candidates += try TokenTransports.listLocal()
            } catch {
                // No udev here (a container): local USB cannot be searched, the USB/IP server still can.
                writeError("otpkit: local USB not searched: \(error)\n")
            }
            do {
                candidates += try TokenTransports.listUSBIP(host: defaultServer.host, port: defaultServer.port)
            } catch .notFound {
                // No emulator or usbipd on this machine: nothing more to list.
            }
        }
        for case .usbip(let host, let port, _) in servers {
            candidates += try TokenTransports.listUSBIP(host: host, port: port)
        }
        return candidates
    }

    static func open(device: String?, serial: String?) throws -> OpenedDevice {
        let named = try (device ?? nonEmptyEnvironment("OTPKIT_DEVICE")).map { try DeviceAddress(parsing: $0) }
        switch named {
        case .usbip(_, _, nil)?, nil:
            let candidates = try list(servers: named.map { [$0] } ?? []).filter { serial == nil || $0.serial == serial }
            let place = named?.description ?? "this machine's USB or \(defaultServer.host):\(defaultServer.port)"
            switch candidates.count {
            case 1:
                return try open(DeviceAddress(parsing: candidates[0].address))
            case 0:
                throw CLIFailure(serial.map { "no token with serial \($0) on \(place)" }
                                 ?? "no token found on \(place); plug one in, start `otpkit emulate`, or name one with --device",
                                 code: .unreachable)
            default:
                let names = candidates.map { "  \($0.address)  serial \($0.serial ?? "?")" }.joined(separator: "\n")
                throw CLIFailure("\(candidates.count) tokens found; choose one with --device or --serial:\n\(names)", code: .usage)
            }
        case let address?:
            let token = try open(address)
            if let serial, token.serial != serial {
                throw CLIFailure("\(address) has serial \(token.serial), not \(serial)", code: .unreachable)
            }
            return token
        }
    }

    static func open(_ address: DeviceAddress) throws -> OpenedDevice {
        let connection = try TokenTransports.open(address)
        switch connection.family {
        case .openHOTP: return .openHOTP(try OpenedToken(connection: connection))
        case .yubiKey: return .yubiKey(try OpenedYubiKey(connection: connection))
        case .nitrokey: return .nitrokey(try OpenedNitrokey(connection: connection))
        }
    }
}
