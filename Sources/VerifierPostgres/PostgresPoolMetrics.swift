import CoreMetrics

/// The pool's figures as swift-metrics handles, made once from the factory the client was given (the server's
/// registry; none: no-op): connections in use and the pool's size, waits for a connection, round trips, failures,
/// reconnects, and where decisions found their token row.
struct PostgresPoolMetrics: Sendable {
    let inUse: Gauge
    let acquireWait: CoreMetrics.Timer
    let statements: CoreMetrics.Timer
    let errors: CoreMetrics.Counter
    let reconnects: CoreMetrics.Counter
    /// `otpkit_db_token_rows_total{source="kept"}` and `{source="read"}`.
    let keptRows: CoreMetrics.Counter
    let readRows: CoreMetrics.Counter

    init(factory: any MetricsFactory, size: Int) {
        inUse = Gauge(label: "otpkit_db_pool_connections", dimensions: [("state", "in_use")], factory: factory)
        Gauge(label: "otpkit_db_pool_connections", dimensions: [("state", "max")], factory: factory).record(size)
        inUse.record(0)
        acquireWait = CoreMetrics.Timer(label: "otpkit_db_pool_acquire_seconds", factory: factory)
        statements = CoreMetrics.Timer(label: "otpkit_db_statement_seconds", factory: factory)
        errors = CoreMetrics.Counter(label: "otpkit_db_errors_total", factory: factory)
        reconnects = CoreMetrics.Counter(label: "otpkit_db_reconnects_total", factory: factory)
        keptRows = CoreMetrics.Counter(label: "otpkit_db_token_rows_total", dimensions: [("source", "kept")], factory: factory)
        readRows = CoreMetrics.Counter(label: "otpkit_db_token_rows_total", dimensions: [("source", "read")], factory: factory)
    }
}
