import Foundation
import TestSupport
import Testing

/// vectors.json must be what make_vectors.py produces, so a change to one without the other fails.
@Suite struct SpecVectorFreshnessTests {
    @Test func vectorsAreRegenerated() throws {
        let script = ProjectPaths.root.appendingPathComponent("Firmware-spec/OpenHOTP/make_vectors.py").path
        let result = try Subprocess.run("/usr/bin/python3", [script])
        #expect(result.status == 0, "\(result.stderr)")
        let committed = try String(contentsOf: ProjectPaths.root.appendingPathComponent("Firmware-spec/OpenHOTP/vectors.json"), encoding: .utf8)
        #expect(result.stdout == committed, "run: python3 Firmware-spec/OpenHOTP/make_vectors.py > Firmware-spec/OpenHOTP/vectors.json")
    }
}
