import Foundation
import USBIP

/// The devices a server exports, and which of them a client has imported. Like the kernel's usbip-host, a device
/// serves one importer at a time; others get ST_DEV_BUSY until it is released.
final class USBIPDeviceRegistry: @unchecked Sendable {
    let devices: [USBIPExportedDevice]
    private let lock = NSLock()
    private var inUse: Set<String> = []
    private var unplugged: Set<String> = []

    init(devices: [USBIPExportedDevice]) {
        self.devices = devices
    }

    /// The devices plugged in now: what a device list shows and an import may take.
    var plugged: [USBIPExportedDevice] {
        lock.withLock { devices.filter { !unplugged.contains($0.busID) } }
    }

    func setPlugged(_ busID: String, _ plugged: Bool) {
        lock.withLock {
            if plugged { unplugged.remove(busID) } else { unplugged.insert(busID) }
        }
    }

    func claim(busID: String) -> Result<USBIPExportedDevice, ImportRefusal> {
        guard let device = devices.first(where: { $0.busID == busID }) else { return .failure(.noDevice) }
        return lock.withLock {
            guard !unplugged.contains(busID) else { return .failure(.noDevice) }
            guard inUse.insert(busID).inserted else { return .failure(.busy) }
            return .success(device)
        }
    }

    func release(busID: String) {
        _ = lock.withLock { inUse.remove(busID) }
    }
}

enum ImportRefusal: Error { case noDevice, busy }
