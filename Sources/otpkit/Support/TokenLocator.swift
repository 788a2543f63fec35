import Foundation
import TokenDrivers
import USBIP
import USBTransport

/// A token found on a transport, before it is opened.
struct TokenListing: Encodable {
    let address: String
    let family: String
    let vendorID: String
    let productID: String
    let serial: String?
    let firmware: String?
    let busy: Bool
}

/// An opened token: its address, a driver, and the connection to close afterwards.
final class OpenedToken {
    let address: DeviceAddress
    let driver: OpenHOTPDriver
    let info: OpenHOTPDeviceInfo
    private let connection: USBIPDeviceConnection

    init(address: DeviceAddress, connection: USBIPDeviceConnection) throws {
        self.address = address
        self.connection = connection
        self.driver = OpenHOTPDriver(channel: USBIPFeatureReportChannel(device: connection))
        self.info = try driver.info()
    }

    deinit { connection.close() }

    var serial: String { String(format: "%08u", info.serial) }
}

/// Finds and opens tokens from `--device`, `--serial`, OTPKIT_DEVICE, or the local USB/IP server.
enum TokenLocator {
    static let defaultServer = "usbip://127.0.0.1:3240"

    /// Lists the supported tokens each server exports, with their serials (a busy token shows without one).
    static func list(servers: [DeviceAddress]) throws -> [TokenListing] {
        var listings: [TokenListing] = []
        for case .usbip(let host, let port, _) in servers {
            for record in try USBIPClient.listDevices(host: host, port: port) {
                guard let supported = SupportedTokens.match(vendorID: record.vendorID, productID: record.productID) else { continue }
                let address = DeviceAddress.usbip(host: host, port: port, busID: record.busID)
                var info: OpenHOTPDeviceInfo?
                var busy = false
                do {
                    info = try open(address).info
                } catch TransportError.busy {
                    busy = true
                }
                listings.append(TokenListing(
                    address: address.description, family: supported.family.rawValue,
                    vendorID: String(format: "%04x", record.vendorID), productID: String(format: "%04x", record.productID),
                    serial: info.map { String(format: "%08u", $0.serial) }, firmware: info?.firmware, busy: busy))
            }
        }
        return listings
    }

    /// Opens the token a command names; errors say how to name one when it is ambiguous or missing.
    static func open(device: String?, serial: String?) throws -> OpenedToken {
        let address = try DeviceAddress(parsing: device ?? nonEmptyEnvironment("OTPKIT_DEVICE") ?? defaultServer)
        guard case .usbip(let host, let port, let busID) = address else { return try open(address) }
        if let busID {
            let token = try open(.usbip(host: host, port: port, busID: busID))
            if let serial, token.serial != serial.leftPadded(to: 8) {
                throw CLIFailure("\(address) has serial \(token.serial), not \(serial)", code: .unreachable)
            }
            return token
        }
        let candidates = try list(servers: [address]).filter { serial == nil || $0.serial == serial?.leftPadded(to: 8) }
        switch candidates.count {
        case 1:
            return try open(DeviceAddress(parsing: candidates[0].address))
        case 0:
            throw CLIFailure(serial.map { "no token with serial \($0) on \(address)" }
                             ?? "no token found on \(address); start one with `otpkit emulate` or name one with --device",
                             code: .unreachable)
        default:
            let names = candidates.map { "  \($0.address)  serial \($0.serial ?? "?")" }.joined(separator: "\n")
            throw CLIFailure("\(candidates.count) tokens found; choose one with --device or --serial:\n\(names)", code: .usage)
        }
    }

    static func open(_ address: DeviceAddress) throws -> OpenedToken {
        guard case .usbip(let host, let port, let busID?) = address else {
            throw CLIFailure("\(address) names no bus id", code: .usage)
        }
        // Another otpkit may hold the token for a moment: retry a busy import briefly.
        var attempt = 0
        while true {
            do {
                return try OpenedToken(address: address, connection: USBIPClient.importDevice(host: host, port: port, busID: busID))
            } catch TransportError.busy(let detail) {
                attempt += 1
                if attempt >= 20 { throw TransportError.busy(detail) }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
