import Foundation
import USBIP

/// The devices a server exports, and which of them a client has imported. Like the kernel's usbip-host, a device
/// serves one importer at a time; others get ST_DEV_BUSY until it is released.
final class USBIPDeviceRegistry: @unchecked Sendable {
    let devices: [USBIPExportedDevice]
    private let lock = NSLock()
    private var inUse: Set<String> = []

    init(devices: [USBIPExportedDevice]) {
        self.devices = devices
    }

    func claim(busID: String) -> Result<USBIPExportedDevice, ImportRefusal> {
        guard let device = devices.first(where: { $0.busID == busID }) else { return .failure(.noDevice) }
        return lock.withLock {
            guard inUse.insert(busID).inserted else { return .failure(.busy) }
            return .success(device)
        }
    }

    func release(busID: String) {
        _ = lock.withLock { inUse.remove(busID) }
    }
}

enum ImportRefusal: Error { case noDevice, busy }
