import NIOCore
import TokenEmulator
import USBIP
import USBProtocol

/// One client connection: device list and import first, then URBs for the imported device.
///
/// Malformed input closes the connection (after logging why); it never reaches a device. Interrupt IN URBs
/// without data stay pending until the client unlinks them, as a real device's would; a host controller keeps only a
/// handful queued, so a client that parks more is flooding and loses its connection. A transfer for an endpoint the
/// device does not have STALLs.
final class USBIPConnectionHandler: ChannelInboundHandler {
    /// Interrupt IN transfers one connection may leave pending (Linux's usbhid queues one or two per endpoint).
    static let maximumParkedInterruptURBs = 16

    /// Why a connection was closed for what it sent after the import.
    enum Refusal: Error, CustomStringConvertible {
        case interruptFlood(limit: Int)

        var description: String {
            switch self {
            case .interruptFlood(let limit): "more than \(limit) interrupt transfers pending at once (a flood)"
            }
        }
    }

    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let registry: USBIPDeviceRegistry
    private let faults: USBIPFaultPlan
    private let log: @Sendable (String) -> Void
    private var received: [UInt8] = []
    private var imported: USBIPExportedDevice?
    private var parkedInterruptURBs: [USBIPURB.Submit] = []

    /// Sent through the pipeline when the imported device has new interrupt data.
    struct InterruptDataAvailable {}

    init(registry: USBIPDeviceRegistry, faults: USBIPFaultPlan, log: @escaping @Sendable (String) -> Void) {
        self.registry = registry
        self.faults = faults
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        do {
            while context.channel.isActive, try processOne(context: context) {}
        } catch {
            log("closing USB/IP connection from \(context.remoteAddress?.description ?? "?"): \(error)")
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let device = imported {
            device.device.onInterruptData = nil
            device.device.busReset()
            registry.release(busID: device.busID)
            imported = nil
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        log("USB/IP connection error: \(error)")
        context.close(promise: nil)
    }

    /// Handles one complete message at the front of `received`; false when more bytes are needed.
    private func processOne(context: ChannelHandlerContext) throws -> Bool {
        if let device = imported {
            guard let (command, consumed) = try USBIPURB.parseCommand(received) else { return false }
            received.removeFirst(consumed)
            try handle(command, device: device.device, context: context)
            return true
        }
        guard let (request, consumed) = try USBIPOperation.parseRequest(received) else { return false }
        received.removeFirst(consumed)
        switch request {
        case .deviceList:
            send(USBIPOperation.encodeDeviceList(registry.plugged.map(\.record)), context: context)
            context.close(promise: nil)
        case .importDevice(let busID):
            switch registry.claim(busID: busID) {
            case .success(let device):
                imported = device
                device.device.busReset()
                let channel = context.channel
                device.device.onInterruptData = { channel.pipeline.fireUserInboundEventTriggered(InterruptDataAvailable()) }
                send(USBIPOperation.encodeImportReply(device.record, status: .ok), context: context)
            case .failure(let refusal):
                log("refused import of \(busID): \(refusal == .busy ? "in use by another client" : "no such device")")
                send(USBIPOperation.encodeImportReply(nil, status: refusal == .busy ? .deviceBusy : .noDevice), context: context)
                context.close(promise: nil)
            }
        }
        return true
    }

    private func handle(_ command: USBIPURB.Command, device: EmulatedUSBDevice, context: ChannelHandlerContext) throws(Refusal) {
        switch command {
        case .unlink(let sequence, let target):
            let wasPending = parkedInterruptURBs.contains { $0.sequence == target }
            parkedInterruptURBs.removeAll { $0.sequence == target }
            send(USBIPURB.encodeReply(.unlink(sequence: sequence, status: wasPending ? USBIPURB.statusUnlinked : 0)),
                 context: context)
        case .submit(let submit) where submit.endpoint == 0:
            guard let setup = USBSetupPacket(bytes: submit.setup) else { return }
            if faults.shouldDrop(setup, busID: imported?.busID) {
                log("fault injection: dropping the connection to \(imported?.busID ?? "?") before \(setup)")
                context.close(promise: nil)
                return
            }
            let result = faults.shouldStall(setup) ? .stall : device.control(setup, data: submit.data)
            switch result {
            case .completed(let data) where submit.directionIn:
                let limited = Array(data.prefix(min(Int(setup.length), Int(submit.bufferLength))))
                reply(submit, status: 0, data: limited, actualLength: limited.count, context: context)
            case .completed:
                reply(submit, status: 0, data: [], actualLength: submit.data.count, context: context)
            case .stall:
                reply(submit, status: USBIPURB.statusStall, data: [], actualLength: 0, context: context)
            }
        case .submit(let submit) where submit.directionIn && Self.hasInterruptIn(device, endpoint: submit.endpoint):
            guard parkedInterruptURBs.count < Self.maximumParkedInterruptURBs else {
                throw .interruptFlood(limit: Self.maximumParkedInterruptURBs)
            }
            parkedInterruptURBs.append(submit)
            completeParkedInterruptURBs(device: device, context: context)
        case .submit(let submit):
            reply(submit, status: USBIPURB.statusStall, data: [], actualLength: 0, context: context)
        }
    }

    /// Whether the device's descriptors declare interrupt IN endpoint `endpoint` (a number, without the direction bit).
    private static func hasInterruptIn(_ device: EmulatedUSBDevice, endpoint: UInt32) -> Bool {
        guard endpoint >= 1, endpoint <= 15 else { return false }
        let address = 0x80 | UInt8(endpoint)
        return device.descriptors.description.interfaces.contains { interface in
            interface.endpoints.contains { $0.address == address && $0.attributes & 0x03 == USBEndpointDescription.interruptTransfer }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is InterruptDataAvailable, let device = imported?.device {
            completeParkedInterruptURBs(device: device, context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Answers waiting interrupt IN transfers, oldest first, while the device has data for their endpoints.
    private func completeParkedInterruptURBs(device: EmulatedUSBDevice, context: ChannelHandlerContext) {
        while let submit = parkedInterruptURBs.first,
              let data = device.interruptIn(endpoint: 0x80 | UInt8(truncatingIfNeeded: submit.endpoint)) {
            parkedInterruptURBs.removeFirst()
            let limited = Array(data.prefix(Int(submit.bufferLength)))
            reply(submit, status: 0, data: limited, actualLength: limited.count, context: context)
        }
    }

    private func reply(_ submit: USBIPURB.Submit, status: Int32, data: [UInt8], actualLength: Int, context: ChannelHandlerContext) {
        send(USBIPURB.encodeReply(.submit(sequence: submit.sequence, status: status, data: data,
                                          actualLength: Int32(actualLength))), context: context)
    }

    private func send(_ bytes: [UInt8], context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }
}
