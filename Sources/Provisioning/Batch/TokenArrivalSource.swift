import TokenDrivers
import USBTransport

/// Where a batch's tokens come from: what is present now, how to open one, and the signals that one may have
/// arrived. `USBTokenArrivals` is the real one (local USB with udev hotplug events, or USB/IP servers); tests bring
/// their own.
public protocol TokenArrivalSource: AnyObject, Sendable {
    /// The tokens present now; busy ones included (the batch leaves them for a later look).
    func presentTokens() async throws(TransportError) -> [TokenCandidate]
    /// Opens one of them with its family's driver, in a session of its own.
    func open(_ candidate: TokenCandidate) async throws(TokenDriverError) -> TokenSession
    /// One element each time a token may have arrived (a hotplug event), and at least one every half second while
    /// nothing happens, so that a batch waiting on it sees its deadline and a stop request in time. It ends when the
    /// task iterating it is cancelled.
    func arrivalSignals() -> AsyncStream<Void>
}
