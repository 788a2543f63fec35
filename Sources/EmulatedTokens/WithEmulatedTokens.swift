/// Runs `body` with emulated tokens of `configuration` started, and stops them when it returns or throws.
public func withEmulatedTokens<Result>(
    _ configuration: EmulatorConfiguration, isolation: isolated (any Actor)? = #isolation,
    _ body: (RunningEmulator) async throws -> Result
) async throws -> Result {
    let emulator = try await RunningEmulator.start(configuration)
    do {
        let result = try await body(emulator)
        await emulator.stop()
        return result
    } catch {
        await emulator.stop()
        throw error
    }
}

/// Runs `body` with one emulated token of each family named, in bus order (none named: one OpenHOTP token), on a
/// free loopback port, memory only; stops them when `body` returns or throws.
public func withEmulatedTokens<Result>(
    _ families: EmulatedTokenFamily..., isolation: isolated (any Actor)? = #isolation,
    _ body: (RunningEmulator) async throws -> Result
) async throws -> Result {
    try await withEmulatedTokens(EmulatorConfiguration(families.isEmpty ? [.openHOTP] : families), isolation: isolation, body)
}
