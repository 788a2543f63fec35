/// What a connection cost: control transfers, the time spent in them and the time it was open. The library counts;
/// a CLI prints them (`otpkit --verbose`) from `TokenConnection.whenClosed`.
public struct TransferStatistics: Sendable, Equatable {
    public let address: DeviceAddress
    public let transfers: Int
    public let transferTime: Duration
    public let openFor: Duration
}
