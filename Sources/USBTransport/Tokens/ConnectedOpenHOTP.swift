import Foundation
import TokenDrivers

/// An OpenHOTP token, opened: its driver and identity (read once, at opening).
public final class ConnectedOpenHOTP {
    public let connection: TokenConnection
    public let driver: OpenHOTPDriver
    public let info: OpenHOTPDeviceInfo

    public init(connection: TokenConnection) throws(OpenHOTPError) {
        self.connection = connection
        driver = OpenHOTPDriver(channel: connection.channel)
        info = try driver.info()
    }

    public var address: DeviceAddress { connection.address }
    /// Eight decimal digits, as the token's USB serial string and seed records write it.
    public var serial: String { String(format: "%08u", info.serial) }
    public var slotProgrammer: OpenHOTPSlotProgrammer { OpenHOTPSlotProgrammer(driver: driver, serial: serial, needsPIN: info.pinSet && !info.adminSession) }
}
