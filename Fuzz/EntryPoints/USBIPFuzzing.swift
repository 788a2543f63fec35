import EmulatorServer
import NIOCore
import NIOEmbedded
import TokenEmulator
import USBIP

/// The USB/IP wire format on both sides, and the emulator's connection handler as a client would drive it.
enum USBIPFuzzing {
    /// Everything the server and the client parse, over the same bytes: requests and URB commands (server), the
    /// device list, import reply and URB reply headers (client).
    static func framing(_ input: [UInt8]) {
        var rest = input
        while let (_, consumed) = try? USBIPOperation.parseRequest(rest), consumed > 0 { rest.removeFirst(min(consumed, rest.count)) }
        rest = input
        while let (_, consumed) = try? USBIPURB.parseCommand(rest), consumed > 0 { rest.removeFirst(min(consumed, rest.count)) }
        _ = try? USBIPURB.parseReplyHeader(input)
        var reader = ByteReader(input)
        if (try? USBIPOperation.readReplyHeader(&reader, expecting: USBIPOperation.replyDeviceList)) != nil,
           let count = try? reader.get(UInt32.self) {
            for _ in 0..<min(count, 1024) {
                guard (try? USBIPDeviceRecord.read(from: &reader, withInterfaces: true)) != nil else { break }
            }
        }
        var importReader = ByteReader(input)
        if (try? USBIPOperation.readReplyHeader(&importReader, expecting: USBIPOperation.replyImport)) != nil {
            _ = try? USBIPDeviceRecord.read(from: &importReader, withInterfaces: false)
        }
    }

    /// One connection to a server exporting an OpenHOTP token and a YubiKey, fed the input in pieces whose sizes
    /// the input's first bytes choose (a client's writes arrive split anywhere). The first byte picks whether the
    /// connection imports a device first, so that the URB path is reached without the fuzzer finding the import.
    static func connection(_ input: [UInt8]) {
        var script = FuzzInput(input)
        let mode = script.byte()
        let tokens: [EmulatedUSBDevice] = [
            OpenHOTPToken(state: OpenHOTPTokenState(serial: 1000)).usbDevice,
            (try? YubiKeyToken(serial: 2000))?.usbDevice,
        ].compactMap { $0 }
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        guard (try? channel.pipeline.syncOperations.addHandler(USBIPServer.makeConnectionHandler(devices: tokens))) != nil,
              (try? channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3240)).wait()) != nil else { return }
        if mode & 1 == 1 {
            let busID = mode & 2 == 0 ? "1-1" : "1-2"
            _ = try? channel.writeInbound(ByteBuffer(bytes: USBIPOperation.encodeRequest(.importDevice(busID: busID))))
        }
        while !script.isEmpty, channel.isActive {
            let piece = script.bytes(Int(script.byte()) + 1)
            do { try channel.writeInbound(ByteBuffer(bytes: piece)) } catch { break }
            while (try? channel.readOutbound(as: ByteBuffer.self)) != nil {}
        }
    }
}
