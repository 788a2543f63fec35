import TokenDrivers

/// A YubiKey's OTP application, opened: its driver, status and serial (read once, at opening).
public final class ConnectedYubiKey {
    public let connection: TokenConnection
    public let driver: YubiKeyDriver
    public let status: YubiKeyStatus
    public let serial: String

    public init(connection: TokenConnection) throws(YubiKeyDriver.YubiKeyError) {
        self.connection = connection
        driver = YubiKeyDriver(channel: connection.channel)
        status = try driver.status()
        serial = String(try driver.serial())
    }

    public var address: DeviceAddress { connection.address }
    public var slotProgrammer: YubiKeySlotProgrammer { YubiKeySlotProgrammer(driver: driver, status: status, serial: serial) }
}
