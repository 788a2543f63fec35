import TokenDrivers

/// A Nitrokey Pro or Storage, opened: its driver and status (read once, at opening).
public final class ConnectedNitrokey {
    public let connection: TokenConnection
    public let driver: NitrokeyDriver
    public let status: NitrokeyDriver.Status

    public init(connection: TokenConnection) throws(NitrokeyDriver.NitrokeyError) {
        self.connection = connection
        driver = NitrokeyDriver(channel: connection.channel)
        status = try driver.status()
    }

    public var address: DeviceAddress { connection.address }
    public var serial: String { String(status.serial) }
    public var slotProgrammer: NitrokeySlotProgrammer { NitrokeySlotProgrammer(driver: driver, serial: serial) }
}
