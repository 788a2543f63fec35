import TokenDrivers
import USBTransport

/// Where a batch's tokens come from: what is present now, how to open one, and a way to wait for the next arrival.
/// `USBTokenArrivals` is the real one (local USB with udev hotplug events, or USB/IP servers); tests bring their own.
public protocol TokenArrivalSource: AnyObject {
    /// The tokens present now; busy ones included (the batch leaves them for a later look).
    func presentTokens() throws(TransportError) -> [TokenCandidate]
    /// Opens one of them with its family's driver.
    func open(_ candidate: TokenCandidate) throws(TokenDriverError) -> ConnectedToken
    /// Returns when a token may have arrived, or when `timeout` has passed. Blocks the calling thread.
    func waitForArrival(timeout: Duration)
}
