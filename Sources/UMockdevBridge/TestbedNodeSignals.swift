import CUMockdev

/// What answers a testbed device node in this process: its clients' ioctls, reads and writes, and their going away.
/// Every request it takes must be completed (`umockdev_ioctl_client_complete`), now or later, or the client hangs.
protocol TestbedNodeHandler: AnyObject, Sendable {
    func handleIoctl(_ client: UnsafeMutablePointer<UMockdevIoctlClient>)
    /// False leaves the read to umockdev (the node file's own contents).
    func handleRead(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) -> Bool
    /// False leaves the write to umockdev (into the node file).
    func handleWrite(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) -> Bool
    func clientVanished(_ client: UnsafeMutablePointer<UMockdevIoctlClient>)
}

extension TestbedNodeHandler {
    func handleRead(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) -> Bool { false }
    func handleWrite(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) -> Bool { false }
    func clientVanished(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) {}
}

/// libumockdev's ioctl handler object (`UMockdevIoctlBase`) of one node, its signals wired to a `TestbedNodeHandler`
/// it keeps. Keep this object as long as a client may still be connected: the C signals hold it unretained.
final class TestbedNodeSignals: Sendable {
    nonisolated(unsafe) let base: UnsafeMutablePointer<UMockdevIoctlBase>
    let target: any TestbedNodeHandler

    init(_ target: any TestbedNodeHandler) {
        self.target = target
        base = umockdev_ioctl_base_new()
        let context = Unmanaged.passUnretained(self).toOpaque()
        for (name, callback) in [("handle-ioctl", unsafeBitCast(ioctlCallback, to: GCallback.self)),
                                 ("handle-read", unsafeBitCast(readCallback, to: GCallback.self)),
                                 ("handle-write", unsafeBitCast(writeCallback, to: GCallback.self)),
                                 ("client-vanished", unsafeBitCast(vanishedCallback, to: GCallback.self))] {
            g_signal_connect_data(base, name, callback, context, nil, GConnectFlags(rawValue: 0))
        }
    }

    deinit {
        g_signal_handlers_disconnect_matched(base, G_SIGNAL_MATCH_DATA, 0, 0, nil, nil, Unmanaged.passUnretained(self).toOpaque())
        g_object_unref(base)
    }

    fileprivate static func target(_ context: gpointer) -> any TestbedNodeHandler {
        Unmanaged<TestbedNodeSignals>.fromOpaque(context).takeUnretainedValue().target
    }
}

/// umockdev's signal handlers: plain C functions that find their node through the user data pointer.
private typealias ClientSignal = @convention(c) (UnsafeMutablePointer<UMockdevIoctlBase>?, UnsafeMutablePointer<UMockdevIoctlClient>?,
                                                 gpointer?) -> gboolean

private let ioctlCallback: ClientSignal = { _, client, context in
    guard let client, let context else { return 0 }
    if fileIoctls.contains(umockdev_ioctl_client_get_request(client)) {
        executeOnTheClientsDescriptor(client)
    } else {
        TestbedNodeSignals.target(context).handleIoctl(client)
    }
    return 1
}

/// The ioctls the kernel answers for every open file before any driver sees them (FIONBIO, FIOASYNC, FIOCLEX,
/// FIONCLEX): Python's `os.set_blocking` and others issue them on device nodes too.
private let fileIoctls: Set<UInt> = [0x5421, 0x5452, 0x5451, 0x5450]

/// Runs the client's ioctl on its own descriptor of the node (a FIFO or a file), where such a flag belongs: a read's
/// `umockdev_ioctl_client_execute` then blocks or not as the program asked.
private func executeOnTheClientsDescriptor(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) {
    var clientError: Int32 = 0
    var failure: UnsafeMutablePointer<GError>?
    let result = umockdev_ioctl_client_execute(client, &clientError, &failure)
    if let failure {
        g_error_free(failure)
        umockdev_ioctl_client_complete(client, -1, EIO)
    } else {
        umockdev_ioctl_client_complete(client, Int(result), result < 0 ? clientError : 0)
    }
}

private let readCallback: ClientSignal = { _, client, context in
    guard let client, let context else { return 0 }
    return TestbedNodeSignals.target(context).handleRead(client) ? 1 : 0
}

private let writeCallback: ClientSignal = { _, client, context in
    guard let client, let context else { return 0 }
    return TestbedNodeSignals.target(context).handleWrite(client) ? 1 : 0
}

private let vanishedCallback: @convention(c) (UnsafeMutablePointer<UMockdevIoctlBase>?, UnsafeMutablePointer<UMockdevIoctlClient>?,
                                              gpointer?) -> Void = { _, client, context in
    guard let client, let context else { return }
    TestbedNodeSignals.target(context).clientVanished(client)
}
