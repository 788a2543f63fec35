import Foundation
import TokenDrivers
import USBIP

/// A supported token found on some transport, before it is opened.
public struct TokenCandidate: Sendable, Encodable, Equatable {
    /// A concrete address: `usb:BUS:ADDR` or `usbip://HOST:PORT/BUSID`.
    public let address: String
    public let family: TokenFamily
    public let vendorID: String
    public let productID: String
    /// The USB serial number string (nil when the token is busy elsewhere).
    public let serial: String?
    public let product: String?
    /// Where it is plugged in (the kernel's device path), for local tokens.
    public let devicePath: String?
    public let busy: Bool
}

/// An opened token: the channel its driver talks over, and the transport behind it.
public final class TokenConnection {
    public let address: DeviceAddress
    public let family: TokenFamily
    public let channel: HIDFeatureReportChannel
    private let device: ControlTransferring
    private let opened = ContinuousClock.now
    /// Called once with the connection's statistics when it is released (`--verbose` prints them).
    public var whenClosed: ((TransferStatistics) -> Void)?

    init(address: DeviceAddress, family: TokenFamily, device: ControlTransferring) {
        self.address = address
        self.family = family
        self.device = device
        self.channel = HIDFeatureReportChannel(device: device)
    }

    deinit {
        whenClosed?(statistics)
        device.close()
    }

    /// Control transfers made so far, their time, and the time since opening.
    public var statistics: TransferStatistics {
        TransferStatistics(address: address, transfers: channel.transfers, transferTime: channel.transferTime,
                           openFor: ContinuousClock.now - opened)
    }

    public func close() { device.close() }
}

/// Finds and opens tokens on every transport otpkit knows: local USB (libudev to find, libusb to open) and USB/IP.
public enum TokenTransports {
    /// Supported tokens on this machine's USB buses.
    public static func listLocal() throws(TransportError) -> [TokenCandidate] {
        try LocalUSBTokens.list().map {
            TokenCandidate(address: $0.address.description, family: $0.family, vendorID: $0.vendorID.hex4,
                           productID: $0.productID.hex4, serial: $0.serial, product: $0.product,
                           devicePath: $0.devicePath, busy: false)
        }
    }

    /// Supported tokens a USB/IP server exports, with their serial numbers (a token in use shows as busy).
    public static func listUSBIP(host: String, port: Int) throws(TransportError) -> [TokenCandidate] {
        var candidates: [TokenCandidate] = []
        for record in try USBIPClient.listDevices(host: host, port: port) {
            guard let supported = SupportedTokens.match(vendorID: record.vendorID, productID: record.productID) else { continue }
            let address = DeviceAddress.usbip(host: host, port: port, busID: record.busID)
            var serial: String?
            var busy = false
            do {
                let device = try USBIPClient.importDevice(host: host, port: port, busID: record.busID)
                defer { device.close() }
                serial = try USBStringDescriptors.serialNumber(of: device)
            } catch .busy {
                busy = true
            } catch .notFound {
                continue  // unplugged between the list and the import
            } catch {
                serial = nil  // one token that does not answer must not hide the others
            }
            candidates.append(TokenCandidate(address: address.description, family: supported.family,
                                             vendorID: record.vendorID.hex4, productID: record.productID.hex4,
                                             serial: serial, product: nil, devicePath: nil, busy: busy))
        }
        return candidates
    }

    /// Opens the token at a concrete address (`usb:BUS:ADDR` or `usbip://HOST:PORT/BUSID`); `usb:serial=` is
    /// looked up among the local tokens first.
    public static func open(_ address: DeviceAddress) throws(TransportError) -> TokenConnection {
        switch address {
        case .usb(let bus, let deviceAddress):
            guard let token = try LocalUSBTokens.list().first(where: { $0.busNumber == bus && $0.deviceAddress == deviceAddress }) else {
                throw .notFound("no supported token at \(address) (see `otpkit devices`)")
            }
            return TokenConnection(address: address, family: token.family,
                                   device: try LibUSBDeviceHandle(bus: bus, address: deviceAddress))
        case .usbSerial(let serial):
            let matches = try LocalUSBTokens.list().filter { $0.serial == serial }
            guard let token = matches.first else { throw .notFound("no local token with serial \(serial) (see `otpkit devices`)") }
            return try open(token.address)
        case .usbip(let host, let port, let busID?):
            let device = try importWithRetry(host: host, port: port, busID: busID)
            guard let supported = SupportedTokens.match(vendorID: device.record.vendorID, productID: device.record.productID) else {
                device.close()
                throw .notFound("\(address) is not a token otpkit supports (\(device.record.vendorID.hex4):\(device.record.productID.hex4))")
            }
            return TokenConnection(address: address, family: supported.family, device: device)
        case .usbip:
            throw .notFound("\(address) names a server, not a token: add /BUSID (see `otpkit devices`)")
        }
    }

    /// Another otpkit may hold a USB/IP token for a moment: a busy import is retried for about two seconds.
    private static func importWithRetry(host: String, port: Int, busID: String) throws(TransportError) -> USBIPDeviceConnection {
        var attempt = 0
        while true {
            do {
                return try USBIPClient.importDevice(host: host, port: port, busID: busID)
            } catch .busy(let detail) {
                attempt += 1
                if attempt >= 20 { throw .busy(detail) }
                usleep(100_000)
            }
        }
    }
}
