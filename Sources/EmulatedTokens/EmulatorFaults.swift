/// Faults injected from the start, as `otpkit emulate --drop-after N --drop-device BUSID --stall-reports` does; a
/// running emulator arms more with `RunningEmulator.dropAfter(featureTransfers:on:)`.
public struct EmulatorFaults: Sendable, Equatable {
    /// After this many feature-report transfers, the next one pulls the token out (as an unplug mid-write), once.
    public var dropAfterFeatureTransfers: Int?
    /// Count and drop only this token's transfers (a bus id such as "1-2"); nil: any token's.
    public var dropDevice: String?
    /// Answer every feature-report transfer with a STALL, as a broken token would.
    public var stallFeatureReports: Bool

    /// Faults as `otpkit emulate`'s options name them; none by default.
    public init(dropAfterFeatureTransfers: Int? = nil, dropDevice: String? = nil, stallFeatureReports: Bool = false) {
        self.dropAfterFeatureTransfers = dropAfterFeatureTransfers
        self.dropDevice = dropDevice
        self.stallFeatureReports = stallFeatureReports
    }

    /// No fault: every transfer is answered.
    public static let none = EmulatorFaults()
}
