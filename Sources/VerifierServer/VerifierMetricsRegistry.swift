import CoreMetrics
import Prometheus

/// The Prometheus registries behind a server's `/metrics`, owned by whoever runs the server (`otpkit verifier
/// serve` makes one and hands its factories to the store and the pool too; a test gets a fresh one per server).
///
/// The libraries record only through swift-metrics' `CoreMetrics` with the factories they are given, never through
/// the global `MetricsSystem`, so several servers in one process count apart. Two views, from three registries: what
/// both show (`shared`: requests, latency, the store, the pool, RADIUS traffic); what only the public `/metrics`
/// shows (`publicOnly`: decisions as accepted or refused, RADIUS drops summed); what only the metrics listener shows
/// (`detailedOnly`: decisions and RADIUS drops by reason, which tell a prober more than its answers did).
public final class VerifierMetricsRegistry: Sendable {
    public enum View: Sendable { case publicPort, detailed }

    private let shared: PrometheusCollectorRegistry
    private let publicOnly: PrometheusCollectorRegistry
    private let detailedOnly: PrometheusCollectorRegistry
    public let factories: VerifierMetricsFactories

    /// `durationBuckets`: histogram buckets by timer name, beside the server's own (`otpkit_http_request_seconds`).
    public init(durationBuckets: [String: [Duration]] = [:]) {
        let shared = PrometheusCollectorRegistry(), publicOnly = PrometheusCollectorRegistry(), detailedOnly = PrometheusCollectorRegistry()
        var sharedFactory = PrometheusMetricsFactory(registry: shared)
        sharedFactory.durationHistogramBuckets["otpkit_http_request_seconds"] = ServerMetrics.requestSecondsBuckets
        sharedFactory.durationHistogramBuckets.merge(durationBuckets) { $1 }
        (self.shared, self.publicOnly, self.detailedOnly) = (shared, publicOnly, detailedOnly)
        factories = VerifierMetricsFactories(shared: sharedFactory, publicOnly: PrometheusMetricsFactory(registry: publicOnly),
                                             detailedOnly: PrometheusMetricsFactory(registry: detailedOnly))
    }

    /// The view in Prometheus' text format, rendered once per scrape into one buffer.
    public func render(_ view: View) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        (view == .detailed ? detailedOnly : publicOnly).emit(into: &buffer)
        shared.emit(into: &buffer)
        return buffer
    }
}

/// Where the server's parts record their metrics (see `VerifierMetricsRegistry` for the views).
public struct VerifierMetricsFactories: Sendable {
    /// What every view shows.
    public let shared: any MetricsFactory
    /// Only the public `/metrics`: decisions accepted or refused, RADIUS drops summed.
    public let publicOnly: any MetricsFactory
    /// Only the metrics listener: decisions and RADIUS drops by reason.
    public let detailedOnly: any MetricsFactory

    public init(shared: any MetricsFactory, publicOnly: any MetricsFactory, detailedOnly: any MetricsFactory) {
        self.shared = shared
        self.publicOnly = publicOnly
        self.detailedOnly = detailedOnly
    }
}
