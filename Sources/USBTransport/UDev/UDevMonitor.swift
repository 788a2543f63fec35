import CLibUDev
import Foundation
import TokenDrivers

/// Hotplug events for supported tokens, from the kernel over netlink.
///
/// With a udev daemon running it listens to udev's events (sent once the device node has its permissions);
/// without one (a container, a minimal initramfs) it listens to the kernel's own uevents.
public final class UDevMonitor {
    public enum Event: Equatable, Sendable {
        case arrived(LocalUSBToken)
        case left(LocalUSBToken)
    }

    private let context: UDevContext
    private let monitor: OpaquePointer
    public let source: String

    public init() throws(TransportError) {
        context = try UDevContext()
        source = FileManager.default.fileExists(atPath: "/run/udev/control") ? "udev" : "kernel"
        guard let monitor = udev_monitor_new_from_netlink(context.pointer, source) else {
            throw .io("cannot listen for USB hotplug events (netlink \(source) monitor)")
        }
        udev_monitor_filter_add_match_subsystem_devtype(monitor, "usb", "usb_device")
        guard udev_monitor_enable_receiving(monitor) == 0 else {
            let reason = String(cString: strerror(errno))
            udev_monitor_unref(monitor)  // self.monitor is not set yet, so deinit will not release it again
            throw .io("cannot receive USB hotplug events: \(reason)")
        }
        self.monitor = monitor
    }

    deinit { udev_monitor_unref(monitor) }

    /// The next token event, or nil when `timeout` seconds pass without one.
    public func next(timeout: TimeInterval) -> Event? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return nil }
            var descriptor = pollfd(fd: udev_monitor_get_fd(monitor), events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(min(remaining, 1) * 1000)) > 0 else { continue }
            guard let device = udev_monitor_receive_device(monitor) else { continue }
            defer { udev_device_unref(device) }
            guard let token = LocalUSBToken(udevDevice: device), let action = udev_device_get_action(device) else { continue }
            switch String(cString: action) {
            case "add": return .arrived(token)
            case "remove": return .left(token)
            default: continue
            }
        }
    }
}
