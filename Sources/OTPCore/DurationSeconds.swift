extension Duration {
    /// The duration in seconds, for figures people read and metrics.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
