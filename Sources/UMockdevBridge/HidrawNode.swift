import CUMockdev
import Glibc
import TokenEmulator

/// One /dev/hidrawN of the testbed: a HID interface of an emulated USB device as Linux's hidraw driver shows it to
/// ykman, hidapi and python-fido2. Its ioctls are answered in this process by the very device model the usbdevfs
/// node uses, through the same fault plan: the feature, input and output report ioctls become the SET_REPORT and
/// GET_REPORT control transfers the kernel's usbhid driver would send; `read()` returns one input report of the
/// interface's interrupt IN endpoint per call, and `write()` sends an output report.
final class HidrawNode: TestbedNodeHandler {
    let interface: HIDInterfaceRecord
    private let usb: UsbdevfsDevice
    let reports: ReadableNode

    init(interface: HIDInterfaceRecord, usb: UsbdevfsDevice, testbedRoot: String) throws(USBTestbed.Failure) {
        self.interface = interface
        self.usb = usb
        // The kernel's hidraw keeps 64 reports for each reader; a read takes one, cut to the caller's buffer.
        reports = try ReadableNode(path: testbedRoot + interface.hidrawNode, capacity: 64, goneError: EIO) { queue, capacity in
            Array(queue.removeFirst().prefix(capacity))
        }
    }

    func handleIoctl(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) {
        let (result, error): (Int, Int32)
        if let request = HidrawRequest(number: umockdev_ioctl_client_get_request(client)), let arg = umockdev_ioctl_client_get_arg(client) {
            (result, error) = usb.isPlugged ? answer(request, arg: arg) : (-1, ENODEV)
        } else {
            (result, error) = (-1, ENOTTY)
        }
        umockdev_ioctl_client_complete(client, result, error)
    }

    func handleRead(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) -> Bool {
        reports.read(client)
        return true
    }

    /// An output report: byte 0 is the report id (0 when the device numbers none), as for HIDIOCSOUTPUT.
    func handleWrite(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) -> Bool {
        let written = umockdev_ioctl_client_get_arg(client).map(IoctlData.bytes) ?? []
        let (result, error) = usb.isPlugged ? setReport(.output, written) : (-1, EIO)
        umockdev_ioctl_client_complete(client, result, error)
        return true
    }

    private func answer(_ request: HidrawRequest, arg: UnsafeMutablePointer<UMockdevIoctlData>) -> (Int, Int32) {
        let description = interface.device.description
        switch request {
        case .reportDescriptorSize:
            return write(IoctlData.le32(Int32(interface.reportDescriptor.count)), to: arg)
        case .reportDescriptor:
            // struct hidraw_report_descriptor: the caller sets `size` (at most 4096), the kernel fills `value`.
            guard let value = IoctlData.resolve(arg, offset: 0, length: HidrawRequest.descriptorStructSize) else { return (-1, EFAULT) }
            defer { g_object_unref(value) }
            let asked = Int(IoctlData.readInt32(IoctlData.bytes(value), at: 0))
            guard (0...4096).contains(asked) else { return (-1, EINVAL) }
            IoctlData.update(value, offset: 4, Array(interface.reportDescriptor.prefix(asked)))
            return (0, 0)
        case .rawInfo:
            let info = IoctlData.le32(Int32(HIDInterfaceRecord.usbBusType)) + le16(description.vendorID) + le16(description.productID)
            return write(info, to: arg)
        case .rawName(let length): return string(interface.hidName, length: length, to: arg)
        case .rawPhys(let length): return string(interface.hidPhys, length: length, to: arg)
        case .rawUniq(let length): return string(interface.hidUniq, length: length, to: arg)
        case .setReport(let type, let length):
            guard (1...HidrawReports.maximumLength).contains(length) else { return (-1, EINVAL) }
            guard let buffer = IoctlData.resolve(arg, offset: 0, length: length) else { return (-1, EFAULT) }
            defer { g_object_unref(buffer) }
            return setReport(type, IoctlData.bytes(buffer))
        case .getReport(let type, let length):
            guard (1...HidrawReports.maximumLength).contains(length) else { return (-1, EINVAL) }
            guard let buffer = IoctlData.resolve(arg, offset: 0, length: length) else { return (-1, EFAULT) }
            defer { g_object_unref(buffer) }
            return getReport(type, into: buffer, length: length)
        }
    }

    /// SET_REPORT of `report` (byte 0 the report id).
    private func setReport(_ type: HIDReportType, _ report: [UInt8]) -> (Int, Int32) {
        do throws(HidrawReports.Refusal) {
            let (setup, data) = try HidrawReports.set(type, interface: interface.number, report: report)
            switch usb.transfer(setup, data: data) {
            case .completed: return (report.count, 0)
            case .stall: return (-1, EPIPE)
            case .unplugged: return (-1, ENODEV)
            }
        } catch {
            return (-1, error.errno)
        }
    }

    /// GET_REPORT into `buffer`, whose byte 0 the caller set to the report id.
    private func getReport(_ type: HIDReportType, into buffer: UnsafeMutablePointer<UMockdevIoctlData>, length: Int) -> (Int, Int32) {
        let id = IoctlData.bytes(buffer).first ?? 0
        do throws(HidrawReports.Refusal) {
            let setup = try HidrawReports.get(type, interface: interface.number, id: id, length: length)
            switch usb.transfer(setup, data: []) {
            case .completed(let reply):
                let answer = HidrawReports.answer(id: id, length: length, reply: reply)
                IoctlData.update(buffer, offset: answer.offset, answer.bytes)
                return (answer.result, 0)
            case .stall: return (-1, EPIPE)
            case .unplugged: return (-1, ENODEV)
            }
        } catch {
            return (-1, error.errno)
        }
    }

    /// A NUL-terminated string cut to the caller's buffer; the answer is the bytes copied, as the kernel's.
    private func string(_ text: String, length: Int, to arg: UnsafeMutablePointer<UMockdevIoctlData>) -> (Int, Int32) {
        let bytes = Array((Array(text.utf8) + [0]).prefix(length))
        guard !bytes.isEmpty else { return (0, 0) }
        return write(bytes, to: arg).1 == 0 ? (bytes.count, 0) : (-1, EFAULT)
    }

    private func write(_ bytes: [UInt8], to arg: UnsafeMutablePointer<UMockdevIoctlData>) -> (Int, Int32) {
        guard let target = IoctlData.resolve(arg, offset: 0, length: bytes.count) else { return (-1, EFAULT) }
        defer { g_object_unref(target) }
        IoctlData.update(target, offset: 0, bytes)
        return (0, 0)
    }

    private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
}
