import TokenDrivers

/// Counts the feature-report transfers a driver makes.
final class CountingChannel: FeatureReportChannel {
    let inner: FeatureReportChannel
    var transfers = 0

    init(_ inner: FeatureReportChannel) { self.inner = inner }

    func setFeatureReport(_ report: [UInt8]) throws(TransportError) {
        transfers += 1
        try inner.setFeatureReport(report)
    }

    func getFeatureReport(length: Int) throws(TransportError) -> [UInt8] {
        transfers += 1
        return try inner.getFeatureReport(length: length)
    }
}
