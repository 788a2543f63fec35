import USBProtocol

/// A device as a USB front end (the USB/IP server, a umockdev bridge) sees it: descriptors and transfers.
public protocol EmulatedUSBDevice: AnyObject, Sendable {
    var descriptors: USBDescriptorSet { get }
    /// A control transfer on endpoint 0. `data` is the OUT data stage (empty for IN requests).
    func control(_ setup: USBSetupPacket, data: [UInt8]) -> USBControlResult
    /// Data for an interrupt IN endpoint, or nil when there is none yet (the transfer stays pending).
    func interruptIn(endpoint: UInt8) -> [UInt8]?
    /// A bus reset, or the device being detached and attached again.
    func busReset()
    /// Set by the front end: called (on any thread) when an interrupt IN endpoint has new data to take.
    var onInterruptData: (@Sendable () -> Void)? { get set }
    /// Set by a front end on this machine (the umockdev testbed's hidraw and evdev nodes): called as `onInterruptData`
    /// is, but only while no USB/IP client holds the device, as a token in use by another host types nothing here.
    var onLocalInterruptData: (@Sendable () -> Void)? { get set }
}

public enum USBControlResult: Equatable, Sendable {
    /// Completed; for IN requests the data (the front end truncates it to wLength), empty for OUT requests.
    case completed([UInt8])
    /// The request is not supported: the device answers with a STALL handshake.
    case stall
}
