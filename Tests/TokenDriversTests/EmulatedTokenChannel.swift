import TokenDrivers
import TokenEmulator
import USBProtocol

/// A feature-report channel straight into an emulated token's firmware, in process: no USB, no sockets.
final class EmulatedTokenChannel: FeatureReportChannel {
    let token: HIDReportHandler
    let reportSize: Int

    init(_ token: HIDReportHandler, reportSize: Int) {
        self.token = token
        self.reportSize = reportSize
    }

    func setFeatureReport(_ report: [UInt8]) throws(TransportError) {
        let padded = report + [UInt8](repeating: 0, count: max(0, reportSize - report.count))
        guard token.setReport(type: HIDRequest.featureReportType, id: 0, interface: 0, data: padded) else { throw .stalled("SET_REPORT") }
    }

    func getFeatureReport(length: Int) throws(TransportError) -> [UInt8] {
        guard let report = token.getReport(type: HIDRequest.featureReportType, id: 0, interface: 0, length: length) else {
            throw .stalled("GET_REPORT")
        }
        return report
    }
}
