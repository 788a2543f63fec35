import TokenDrivers

/// An opened token of any supported family, with its family's driver. Closing happens when the last reference goes.
public enum ConnectedToken {
    case openHOTP(ConnectedOpenHOTP)
    case yubiKey(ConnectedYubiKey)
    case nitrokey(ConnectedNitrokey)

    /// Opens the token at a concrete address and reads its identity with its family's driver.
    public static func open(_ address: DeviceAddress) throws(TokenDriverError) -> ConnectedToken {
        let connection: TokenConnection
        do { connection = try TokenTransports.open(address) } catch { throw .transport(error) }
        switch connection.family {
        case .openHOTP:
            do { return .openHOTP(try ConnectedOpenHOTP(connection: connection)) } catch { throw .openHOTP(error) }
        case .yubiKey:
            do { return .yubiKey(try ConnectedYubiKey(connection: connection)) } catch { throw .yubiKey(error) }
        case .nitrokey:
            do { return .nitrokey(try ConnectedNitrokey(connection: connection)) } catch { throw .nitrokey(error) }
        }
    }

    public var connection: TokenConnection {
        switch self {
        case .openHOTP(let token): token.connection
        case .yubiKey(let key): key.connection
        case .nitrokey(let key): key.connection
        }
    }

    public var address: DeviceAddress { connection.address }
    public var family: TokenFamily { connection.family }

    public var serial: String {
        switch self {
        case .openHOTP(let token): token.serial
        case .yubiKey(let key): key.serial
        case .nitrokey(let key): key.serial
        }
    }

    /// The family's programming rules over this token's driver.
    public var slotProgrammer: any HOTPSlotProgrammer {
        switch self {
        case .openHOTP(let token): token.slotProgrammer
        case .yubiKey(let key): key.slotProgrammer
        case .nitrokey(let key): key.slotProgrammer
        }
    }

    /// How the token's driver pauses between polls; a session gives each call a wait of its own to cancel.
    public var pollWait: PollWait {
        get {
            switch self {
            case .openHOTP(let token): token.driver.pollWait
            case .yubiKey(let key): key.driver.pollWait
            case .nitrokey(let key): key.driver.pollWait
            }
        }
        nonmutating set {
            switch self {
            case .openHOTP(let token): token.driver.pollWait = newValue
            case .yubiKey(let key): key.driver.pollWait = newValue
            case .nitrokey(let key): key.driver.pollWait = newValue
            }
        }
    }
}
