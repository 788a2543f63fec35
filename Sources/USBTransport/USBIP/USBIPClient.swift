import Foundation
import TokenDrivers
import USBIP
import USBProtocol

/// The host side of USB/IP in user space: lists a server's devices, imports one, and runs control transfers on it.
public enum USBIPClient {
    public static let defaultTimeout: TimeInterval = 5

    /// OP_REQ_DEVLIST: the devices a server exports.
    public static func listDevices(host: String, port: Int, timeout: TimeInterval = defaultTimeout) throws(TransportError) -> [USBIPDeviceRecord] {
        let connection = try TCPConnection(host: host, port: port, timeout: timeout)
        try connection.send(USBIPOperation.encodeRequest(.deviceList))
        var header = ByteReader(try connection.receive(USBIPOperation.headerSize + 4))
        let status = try wire { () throws(USBIPError) in try USBIPOperation.readReplyHeader(&header, expecting: USBIPOperation.replyDeviceList) }
        guard status == 0 else { throw .protocolViolation("the server refused the device list (status \(status))") }
        let count = try wire { () throws(USBIPError) in try header.get(UInt32.self) }
        guard count <= 1024 else { throw .protocolViolation("the server claims \(count) devices") }
        var devices: [USBIPDeviceRecord] = []
        for _ in 0..<count {
            let recordBytes = try connection.receive(USBIPDeviceRecord.recordSize)
            // bNumInterfaces, the record's last byte, says how many 4-byte interface records follow.
            let interfaceBytes = try connection.receive(4 * Int(recordBytes[USBIPDeviceRecord.recordSize - 1]))
            var reader = ByteReader(recordBytes + interfaceBytes)
            devices.append(try wire { () throws(USBIPError) in try USBIPDeviceRecord.read(from: &reader, withInterfaces: true) })
        }
        return devices
    }

    /// OP_REQ_IMPORT: the device with `busID`, ready for URBs.
    public static func importDevice(host: String, port: Int, busID: String, timeout: TimeInterval = defaultTimeout) throws(TransportError) -> USBIPDeviceConnection {
        let connection = try TCPConnection(host: host, port: port, timeout: timeout)
        try connection.send(USBIPOperation.encodeRequest(.importDevice(busID: busID)))
        var header = ByteReader(try connection.receive(USBIPOperation.headerSize))
        let status = try wire { () throws(USBIPError) in try USBIPOperation.readReplyHeader(&header, expecting: USBIPOperation.replyImport) }
        switch USBIPOperation.Status(rawValue: status) {
        case .ok: break
        case .deviceBusy: throw .busy("usbip://\(host):\(port)/\(busID) is in use by another client")
        case .noDevice: throw .notFound("the USB/IP server at \(host):\(port) has no device \(busID) (see `otpkit devices`)")
        default: throw .protocolViolation("the server refused to import \(busID) (status \(status))")
        }
        var reader = ByteReader(try connection.receive(USBIPDeviceRecord.recordSize))
        let record = try wire { () throws(USBIPError) in try USBIPDeviceRecord.read(from: &reader, withInterfaces: false) }
        guard record.busID == busID else {
            throw .protocolViolation("the server imported \(record.busID) instead of \(busID)")
        }
        return USBIPDeviceConnection(connection: connection, record: record, peer: "\(host):\(port)/\(busID)")
    }

    static func wire<T>(_ body: () throws(USBIPError) -> T) throws(TransportError) -> T {
        do { return try body() } catch { throw .protocolViolation(error.description) }
    }
}

/// An imported device: control transfers as CMD_SUBMIT on endpoint 0, answered by RET_SUBMIT.
public final class USBIPDeviceConnection {
    public let record: USBIPDeviceRecord
    private let connection: TCPConnection
    private let peer: String
    private var sequence: UInt32 = 0

    init(connection: TCPConnection, record: USBIPDeviceRecord, peer: String) {
        self.connection = connection
        self.record = record
        self.peer = peer
    }

    public func close() { connection.close() }

    /// Runs one control transfer; returns the IN data (empty for OUT). A STALL throws `.stalled`.
    public func controlTransfer(_ setup: USBSetupPacket, data: [UInt8] = []) throws(TransportError) -> [UInt8] {
        sequence &+= 1
        let directionIn = setup.isDeviceToHost
        let submit = USBIPURB.Submit(
            sequence: sequence, deviceID: record.deviceID, directionIn: directionIn, endpoint: 0,
            transferFlags: directionIn ? USBIPURB.transferFlagDirectionIn : 0,
            bufferLength: Int32(directionIn ? Int(setup.length) : data.count), setup: setup.bytes,
            data: directionIn ? [] : data)
        try connection.send(USBIPURB.encodeCommand(.submit(submit)))
        let header = try connection.receive(USBIPURB.headerSize)
        let reply = try USBIPClient.wire { () throws(USBIPError) in try USBIPURB.parseReplyHeader(header) }
        guard reply.command == USBIPURB.retSubmit, reply.sequence == sequence else {
            throw .protocolViolation("unexpected reply (command \(reply.command), sequence \(reply.sequence), expected \(sequence))")
        }
        guard reply.actualLength >= 0, reply.actualLength <= submit.bufferLength else {
            throw .protocolViolation("reply length \(reply.actualLength) exceeds the buffer of \(submit.bufferLength)")
        }
        let inData = directionIn ? try connection.receive(Int(reply.actualLength)) : []
        switch reply.status {
        case 0: return inData
        case USBIPURB.statusStall: throw .stalled("\(setup.name) on \(peer)")
        default: throw .io("USB transfer failed on \(peer) with status \(reply.status)")
        }
    }
}
