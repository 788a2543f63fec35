import ServiceManager
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct WatchdogTimeoutTests {
    @Test func readsTheTimeoutForThisProcess() throws {
        let timeout = try #require(WatchdogTimeout(environment: ["WATCHDOG_USEC": "30000000"]))
        #expect(timeout.timeout == .seconds(30))
        #expect(timeout.pingInterval == .seconds(15))
        #expect(WatchdogTimeout(environment: ["WATCHDOG_USEC": "400000", "WATCHDOG_PID": "\(getpid())"])?.pingInterval == .milliseconds(200))
    }

    @Test func noTimeoutForAnotherProcessOrWithoutAValue() {
        #expect(WatchdogTimeout(environment: [:]) == nil)
        #expect(WatchdogTimeout(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid() + 1)"]) == nil)
        #expect(WatchdogTimeout(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "x"]) == nil)
        for value in ["0", "", "-5", "1.5", "30s", "99999999999999999999"] {
            #expect(WatchdogTimeout(environment: ["WATCHDOG_USEC": value]) == nil, "\(value)")
        }
    }
}
