/// URB messages exchanged after an import (usbip_protocol.rst): 48-byte headers, data after them.
public enum USBIPURB {
    public static let headerSize = 48

    public static let cmdSubmit: UInt32 = 1
    public static let cmdUnlink: UInt32 = 2
    public static let retSubmit: UInt32 = 3
    public static let retUnlink: UInt32 = 4

    public static let directionOut: UInt32 = 0
    public static let directionIn: UInt32 = 1
    /// USBIP_URB_DIR_IN, as the kernel sets it in transfer_flags.
    public static let transferFlagDirectionIn: UInt32 = 0x200

    /// Negative errno statuses a RET_SUBMIT or RET_UNLINK carries.
    public static let statusStall: Int32 = -32  // EPIPE
    public static let statusUnlinked: Int32 = -104  // ECONNRESET

    public struct Submit: Equatable, Sendable {
        public var sequence: UInt32
        public var deviceID: UInt32
        public var directionIn: Bool
        public var endpoint: UInt32
        public var transferFlags: UInt32
        public var bufferLength: Int32
        public var interval: Int32
        public var setup: [UInt8]
        /// OUT data; empty for IN transfers.
        public var data: [UInt8]

        public init(sequence: UInt32, deviceID: UInt32, directionIn: Bool, endpoint: UInt32, transferFlags: UInt32 = 0,
                    bufferLength: Int32, interval: Int32 = 0, setup: [UInt8] = [UInt8](repeating: 0, count: 8), data: [UInt8] = []) {
            self.sequence = sequence
            self.deviceID = deviceID
            self.directionIn = directionIn
            self.endpoint = endpoint
            self.transferFlags = transferFlags
            self.bufferLength = bufferLength
            self.interval = interval
            self.setup = setup
            self.data = data
        }
    }

    /// What a client sends after the import.
    public enum Command: Equatable, Sendable {
        case submit(Submit)
        case unlink(sequence: UInt32, target: UInt32)
    }

    /// What a server answers.
    public enum Reply: Equatable, Sendable {
        case submit(sequence: UInt32, status: Int32, data: [UInt8], actualLength: Int32)
        case unlink(sequence: UInt32, status: Int32)
    }

    /// Parses one command from the front of `bytes`; nil when more bytes are needed.
    public static func parseCommand(_ bytes: [UInt8]) throws(USBIPError) -> (Command, consumed: Int)? {
        guard bytes.count >= headerSize else { return nil }
        var reader = ByteReader(bytes.prefix(headerSize))
        let command: UInt32 = try reader.get()
        let sequence: UInt32 = try reader.get()
        let deviceID: UInt32 = try reader.get()
        let direction: UInt32 = try reader.get()
        let endpoint: UInt32 = try reader.get()
        switch command {
        case cmdSubmit:
            let flags: UInt32 = try reader.get()
            let length: Int32 = try reader.get()
            _ = try reader.get(Int32.self)  // start_frame
            let packets: Int32 = try reader.get()
            let interval: Int32 = try reader.get()
            let setup = try reader.get(count: 8)
            guard length >= 0, length <= 1 << 20 else { throw .invalidLength(length) }
            guard packets == 0 || packets == -1 else { throw .isochronousUnsupported }
            let directionIn = direction == directionIn
            let dataLength = directionIn ? 0 : Int(length)
            guard bytes.count >= headerSize + dataLength else { return nil }
            let data = Array(bytes[headerSize..<(headerSize + dataLength)])
            let submit = Submit(sequence: sequence, deviceID: deviceID, directionIn: directionIn, endpoint: endpoint,
                                transferFlags: flags, bufferLength: length, interval: interval, setup: setup, data: data)
            return (.submit(submit), headerSize + dataLength)
        case cmdUnlink:
            let target: UInt32 = try reader.get()
            return (.unlink(sequence: sequence, target: target), headerSize)
        default:
            throw .unknownCommand(command)
        }
    }

    public static func encodeCommand(_ command: Command) -> [UInt8] {
        var writer = ByteWriter()
        switch command {
        case .submit(let submit):
            writer.put(cmdSubmit)
            writer.put(submit.sequence)
            writer.put(submit.deviceID)
            writer.put(submit.directionIn ? directionIn : directionOut)
            writer.put(submit.endpoint)
            writer.put(submit.transferFlags)
            writer.put(submit.bufferLength)
            writer.put(Int32(0))
            writer.put(Int32(0))
            writer.put(submit.interval)
            writer.put(submit.setup)
            writer.put(submit.data)
        case .unlink(let sequence, let target):
            writer.put(cmdUnlink)
            writer.put(sequence)
            writer.put([UInt8](repeating: 0, count: 12))
            writer.put(target)
            writer.put([UInt8](repeating: 0, count: 24))
        }
        return writer.bytes
    }

    /// Replies carry devid, direction and ep as 0, as the kernel's stub does.
    public static func encodeReply(_ reply: Reply) -> [UInt8] {
        var writer = ByteWriter()
        switch reply {
        case .submit(let sequence, let status, let data, let actualLength):
            writer.put(retSubmit)
            writer.put(sequence)
            writer.put([UInt8](repeating: 0, count: 12))
            writer.put(status)
            writer.put(actualLength)
            writer.put(Int32(0))  // start_frame
            writer.put(Int32(0))  // number_of_packets
            writer.put(Int32(0))  // error_count
            writer.put([UInt8](repeating: 0, count: 8))
            writer.put(data)
        case .unlink(let sequence, let status):
            writer.put(retUnlink)
            writer.put(sequence)
            writer.put([UInt8](repeating: 0, count: 12))
            writer.put(status)
            writer.put([UInt8](repeating: 0, count: 24))
        }
        return writer.bytes
    }

    /// Parses a 48-byte reply header. IN data (actual_length bytes) follows a RET_SUBMIT only when the request was
    /// IN, which the header does not say: the client knows, and reads it.
    public static func parseReplyHeader(_ bytes: [UInt8]) throws(USBIPError) -> (command: UInt32, sequence: UInt32, status: Int32, actualLength: Int32) {
        var reader = ByteReader(bytes.prefix(headerSize))
        let command: UInt32 = try reader.get()
        let sequence: UInt32 = try reader.get()
        _ = try reader.get(count: 12)
        let status: Int32 = try reader.get()
        let actual: Int32 = try reader.get()
        guard command == retSubmit || command == retUnlink else { throw .unknownCommand(command) }
        return (command, sequence, status, command == retSubmit ? actual : 0)
    }
}
