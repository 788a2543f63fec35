import Verification

/// Store work of the front ends (HTTP and RADIUS) that decides or changes something: its store failures (or
/// success) feed /healthz, so a node whose database fails stops taking traffic until a decision succeeds again.
struct DecisionWork: Sendable {
    let health: ServerHealth

    func deciding<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        do {
            let result = try await work()
            health.noteDecision(nil)
            return result
        } catch let error as VerifierError {
            health.noteDecision(error)
            throw error
        }
    }
}
