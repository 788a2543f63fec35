/// The part of a HID device that is the product: what its reports mean. The USB plumbing is `EmulatedHIDDevice`.
public protocol HIDReportHandler: AnyObject, Sendable {
    /// SET_REPORT; false makes the device STALL.
    func setReport(type: UInt8, id: UInt8, interface: Int, data: [UInt8]) -> Bool
    /// GET_REPORT; nil makes the device STALL.
    func getReport(type: UInt8, id: UInt8, interface: Int, length: Int) -> [UInt8]?
    func interruptIn(endpoint: UInt8) -> [UInt8]?
    func busReset()
}
