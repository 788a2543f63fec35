import Foundation
import FuzzEntryPoints
import Testing
import TestSupport

/// Replays every fuzz target's seed corpus (Fuzz/corpus/TARGET) and every crash a campaign found and fixed
/// (Fuzz/regressions/TARGET) through the entry points `make fuzz` runs, without sanitizers: a crash that comes back
/// fails `make test`. The corpus must not be empty, so that a target cannot silently replay nothing.
@Suite struct FuzzRegressionTests {
    static func inputs(_ target: FuzzTarget, in folder: String) throws -> [URL] {
        let directory = ProjectPaths.root.appendingPathComponent("Fuzz/\(folder)/\(target.rawValue)")
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }.sorted { $0.path < $1.path }
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusAndRegressionsReplay(_ target: FuzzTarget) throws {
        let corpus = try Self.inputs(target, in: "corpus")
        #expect(!corpus.isEmpty, "Fuzz/corpus/\(target.rawValue) holds the seed inputs of this target")
        for file in corpus + (try Self.inputs(target, in: "regressions")) {
            target.run(Array(try Data(contentsOf: file)))
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func generatedSeedsReplay(_ target: FuzzTarget) {
        let seeds = target.generatedSeeds
        #expect(!seeds.isEmpty)
        for seed in seeds { target.run(seed) }
    }
}
