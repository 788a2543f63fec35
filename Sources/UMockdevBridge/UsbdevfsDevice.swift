import CUMockdev
import Glibc
import Synchronization
import TokenEmulator
import USBProtocol

/// What the front end decides about a control transfer before the device sees it (fault injection for tests).
public enum TransferVerdict: Sendable {
    case pass
    /// Answer with a STALL, as a broken device would.
    case stall
    /// The device is pulled out before this transfer reaches it.
    case unplug
}

/// Answers the usbdevfs ioctls of libusb clients on one testbed node from an emulated device, in this process:
/// control URBs complete at submit (the device model answers at once) and wait in their client's queue to be reaped.
/// Like the Python bridge it replaces, it serves control transfers only: otpkit's tokens and the vendors' tools need
/// nothing else (a YubiKey's typed codes go to the keyboard, which umockdev cannot fake for libusb).
///
/// The handlers run on umockdev's own worker thread, never on a Swift task or event loop, so calling the device
/// model synchronously there blocks nothing of ours.
final class UsbdevfsDevice: TestbedNodeHandler {
    let record: SysfsRecord
    let device: EmulatedUSBDevice
    private let beforeTransfer: @Sendable (USBSetupPacket) -> TransferVerdict
    private let onUnplug: @Sendable () -> Void

    /// A URB's ioctl data object, kept (one GObject reference) from submit to reap.
    ///
    /// `@unchecked` because the compiler never takes a raw pointer for `Sendable`. It is one all the same: the
    /// reference we hold is counted atomically by GObject, the pointer moves between threads only through `state`'s
    /// Mutex, and the data behind it is read and written only on umockdev's worker thread for this node (`deinit` only
    /// drops the reference).
    struct PendingURB: @unchecked Sendable { let data: UnsafeMutablePointer<UMockdevIoctlData> }

    private struct State {
        var plugged = true
        var completed: [UInt: [PendingURB]] = [:]  // by client
        var claimedBy: [UInt32: UInt] = [:]       // interface -> client
    }
    private let state = Mutex(State())

    init(record: SysfsRecord, device: EmulatedUSBDevice, beforeTransfer: @escaping @Sendable (USBSetupPacket) -> TransferVerdict,
         onUnplug: @escaping @Sendable () -> Void) {
        self.record = record
        self.device = device
        self.beforeTransfer = beforeTransfer
        self.onUnplug = onUnplug
    }

    deinit {
        for urb in state.withLock({ $0.completed.values.flatMap { $0 } }) { g_object_unref(urb.data) }
    }

    var isPlugged: Bool { state.withLock { $0.plugged } }

    /// Marks the device plugged in or out; a pulled device answers every further URB with ENODEV.
    func setPlugged(_ plugged: Bool) {
        state.withLock { $0.plugged = plugged }
    }

    private static func key(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) -> UInt { UInt(bitPattern: client) }

    /// The client closed the device or died: its claims and unreaped URBs go, as the kernel drops them.
    func clientVanished(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) {
        let key = Self.key(client)
        let dropped = state.withLock { state -> [PendingURB] in
            state.claimedBy = state.claimedBy.filter { $0.value != key }
            return state.completed.removeValue(forKey: key) ?? []
        }
        for urb in dropped { g_object_unref(urb.data) }
    }

    func handleIoctl(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) {
        let arg = umockdev_ioctl_client_get_arg(client)
        let (result, error): (Int, Int32)
        if let request = UsbdevfsRequest(number: umockdev_ioctl_client_get_request(client)), let arg {
            (result, error) = answer(request, arg: arg, client: client)
        } else {
            (result, error) = (-1, ENOTTY)
        }
        umockdev_ioctl_client_complete(client, result, error)
    }

    private func answer(_ request: UsbdevfsRequest, arg: UnsafeMutablePointer<UMockdevIoctlData>,
                        client: UnsafeMutablePointer<UMockdevIoctlClient>) -> (Int, Int32) {
        switch request {
        case .getCapabilities:
            guard let value = IoctlData.resolve(arg, offset: 0, length: 4) else { return (-1, EFAULT) }
            defer { g_object_unref(value) }
            IoctlData.update(value, offset: 0, [0, 0, 0, 0])
            return (0, 0)
        case .getDriver, .ioctl:
            return (-1, ENODATA)  // no kernel driver bound, none to detach or reattach
        case .connectInfo:
            guard let value = IoctlData.resolve(arg, offset: 0, length: 8) else { return (-1, EFAULT) }
            defer { g_object_unref(value) }
            IoctlData.update(value, offset: 0, IoctlData.le32(Int32(record.address)) + [0, 0, 0, 0])
            return (0, 0)
        case .claimInterface, .disconnectClaim:
            guard let interface = IoctlData.readUInt32(arg) else { return (-1, EFAULT) }
            let key = Self.key(client)
            return state.withLock { state in
                if let owner = state.claimedBy[interface], owner != key { return (-1, EBUSY) }
                state.claimedBy[interface] = key
                return (0, 0)
            }
        case .releaseInterface:
            guard let interface = IoctlData.readUInt32(arg) else { return (-1, EFAULT) }
            let key = Self.key(client)
            state.withLock { state in
                if state.claimedBy[interface] == key { state.claimedBy[interface] = nil }
            }
            return (0, 0)
        case .setConfiguration, .setInterface, .reset, .clearHalt:
            return isPlugged ? (0, 0) : (-1, ENODEV)
        case .submitURB:
            return submit(arg, client: client)
        case .reapURB, .reapURBNoDelay:
            let key = Self.key(client)
            let next = state.withLock { state -> PendingURB? in
                guard var queue = state.completed[key], !queue.isEmpty else { return nil }
                let first = queue.removeFirst()
                state.completed[key] = queue
                return first
            }
            guard let next else { return (-1, isPlugged ? EAGAIN : ENODEV) }
            defer { g_object_unref(next.data) }
            guard let slot = IoctlData.resolve(arg, offset: 0, length: 8) else { return (-1, EFAULT) }
            defer { g_object_unref(slot) }
            umockdev_ioctl_data_set_ptr(slot, 0, next.data)
            return (0, 0)
        case .discardURB:
            return (-1, EINVAL)  // every URB completed at submit: nothing is in flight
        }
    }

    enum Transfer {
        case completed([UInt8])
        case stall
        /// The device is out (or the fault plan pulled it out at this transfer).
        case unplugged
    }

    /// A control transfer to the device model through the fault plan: the one path of every node of this device
    /// (usbdevfs URBs, hidraw report ioctls).
    func transfer(_ setup: USBSetupPacket, data: [UInt8]) -> Transfer {
        guard isPlugged else { return .unplugged }
        switch beforeTransfer(setup) {
        case .unplug:
            setPlugged(false)
            onUnplug()
            return .unplugged
        case .stall:
            return .stall
        case .pass:
            switch device.control(setup, data: data) {
            case .completed(let answer): return .completed(answer)
            case .stall: return .stall
            }
        }
    }

    private func submit(_ arg: UnsafeMutablePointer<UMockdevIoctlData>, client: UnsafeMutablePointer<UMockdevIoctlClient>) -> (Int, Int32) {
        guard isPlugged else { return (-1, ENODEV) }
        guard let urb = IoctlData.resolve(arg, offset: 0, length: UsbdevfsRequest.urbSize) else { return (-1, EFAULT) }
        var keep = false
        defer { if !keep { g_object_unref(urb) } }
        let header = IoctlData.bytes(urb)
        guard header.count >= UsbdevfsRequest.urbSize else { return (-1, EINVAL) }
        let bufferLength = Int(IoctlData.readInt32(header, at: 24))
        guard header[0] == UsbdevfsRequest.urbTypeControl, header[1] & 0x7F == 0, (8...4104).contains(bufferLength) else {
            return (-1, EINVAL)  // only control transfers on endpoint 0, at most a page of data
        }
        guard let buffer = IoctlData.resolve(urb, offset: 16, length: bufferLength) else { return (-1, EFAULT) }
        defer { g_object_unref(buffer) }
        let payload = IoctlData.bytes(buffer)
        guard payload.count >= bufferLength, let setup = USBSetupPacket(bytes: payload[0..<8]) else { return (-1, EINVAL) }
        let directionIn = payload[0] & 0x80 != 0
        var status: Int32 = 0
        var answer: [UInt8] = []
        switch transfer(setup, data: directionIn ? [] : Array(payload[8..<bufferLength])) {
        case .unplugged: return (-1, ENODEV)
        case .stall: status = -EPIPE
        case .completed(let data): answer = directionIn ? Array(data.prefix(min(Int(setup.length), bufferLength - 8))) : []
        }
        if !answer.isEmpty { IoctlData.update(buffer, offset: 8, answer) }
        let actual = directionIn ? answer.count : (status == 0 ? bufferLength - 8 : 0)
        IoctlData.update(urb, offset: 4, IoctlData.le32(status))
        IoctlData.update(urb, offset: 28, IoctlData.le32(Int32(actual)))
        let key = Self.key(client)
        state.withLock { $0.completed[key, default: []].append(PendingURB(data: urb)) }
        keep = true
        return (0, 0)
    }
}

/// Reading and writing a client's memory through umockdev's IoctlData objects.
enum IoctlData {
    /// The `length` bytes at `offset` of `data`'s pointer target (a new reference), or nil when unreadable.
    static func resolve(_ data: UnsafeMutablePointer<UMockdevIoctlData>, offset: Int, length: Int) -> UnsafeMutablePointer<UMockdevIoctlData>? {
        var error: UnsafeMutablePointer<GError>?
        let resolved = umockdev_ioctl_data_resolve(data, gsize(offset), gsize(length), &error)
        if let error { g_error_free(error); return nil }
        return resolved
    }

    static func bytes(_ data: UnsafeMutablePointer<UMockdevIoctlData>) -> [UInt8] {
        guard let start = data.pointee.data, data.pointee.data_len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: start, count: Int(data.pointee.data_len)))
    }

    static func update(_ data: UnsafeMutablePointer<UMockdevIoctlData>, offset: Int, _ bytes: [UInt8]) {
        guard offset + bytes.count <= Int(data.pointee.data_len) else { return }
        var copy = bytes
        copy.withUnsafeMutableBufferPointer { umockdev_ioctl_data_update(data, gsize(offset), $0.baseAddress, gint($0.count)) }
    }

    static func readUInt32(_ pointer: UnsafeMutablePointer<UMockdevIoctlData>) -> UInt32? {
        guard let value = resolve(pointer, offset: 0, length: 4) else { return nil }
        defer { g_object_unref(value) }
        let raw = bytes(value)
        return raw.count >= 4 ? UInt32(bitPattern: readInt32(raw, at: 0)) : nil
    }

    static func readInt32(_ bytes: [UInt8], at offset: Int) -> Int32 {
        Int32(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
    }

    static func le32(_ value: Int32) -> [UInt8] {
        let raw = UInt32(bitPattern: value)
        return [UInt8(raw & 0xFF), UInt8(raw >> 8 & 0xFF), UInt8(raw >> 16 & 0xFF), UInt8(raw >> 24)]
    }
}
