import NIOConcurrencyHelpers
import USBIP

/// The devices a server exports, and which of them a client has imported. Like the kernel's usbip-host, a device
/// serves one importer at a time; others get ST_DEV_BUSY until it is released.
final class USBIPDeviceRegistry: Sendable {
    let devices: [USBIPExportedDevice]

    /// Which devices a client holds, and which are pulled out.
    private struct Occupancy {
        var inUse: Set<String> = []
        var unplugged: Set<String> = []
    }
    private let occupancy = NIOLockedValueBox(Occupancy())

    init(devices: [USBIPExportedDevice]) {
        self.devices = devices
    }

    /// The devices plugged in now: what a device list shows and an import may take.
    var plugged: [USBIPExportedDevice] {
        let unplugged = occupancy.withLockedValue { $0.unplugged }
        return devices.filter { !unplugged.contains($0.busID) }
    }

    func setPlugged(_ busID: String, _ plugged: Bool) {
        occupancy.withLockedValue {
            if plugged { $0.unplugged.remove(busID) } else { $0.unplugged.insert(busID) }
        }
    }

    func claim(busID: String) -> Result<USBIPExportedDevice, ImportRefusal> {
        guard let device = devices.first(where: { $0.busID == busID }) else { return .failure(.noDevice) }
        return occupancy.withLockedValue { occupancy in
            guard !occupancy.unplugged.contains(busID) else { return .failure(.noDevice) }
            guard occupancy.inUse.insert(busID).inserted else { return .failure(.busy) }
            return .success(device)
        }
    }

    func release(busID: String) {
        _ = occupancy.withLockedValue { $0.inUse.remove(busID) }
    }
}

enum ImportRefusal: Error { case noDevice, busy }
