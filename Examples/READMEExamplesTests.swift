import Foundation
import Testing

/// The documentation's Swift examples are these files' code: each fenced block after `<!-- example: Examples/FILE.swift -->`
/// in README.md or a docs/*.md file must equal the lines of FILE between `// README begin` and `// README end` (their
/// common indentation removed), so the code a reader copies is the code this target builds and runs.
@Suite struct READMEExamplesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyREADMEExampleIsCodeThatBuildsHere() throws {
        var checked: Set<String> = []
        for document in try Self.documents() {
            let text = try String(contentsOf: Self.root.appendingPathComponent(document), encoding: .utf8)
            let lines = text.components(separatedBy: "\n")
            for (index, line) in lines.enumerated() {
                guard let path = Self.examplePath(line) else { continue }
                let block = try #require(Self.fencedBlock(after: index, in: lines), "\(document): no ```swift block after the marker for \(path)")
                let source = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
                let excerpt = try #require(Self.excerpt(source), "\(path) has no `// README begin` ... `// README end` lines")
                #expect(block == excerpt, "\(document)'s example for \(path) differs from the file")
                checked.insert(path)
            }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Examples").path)
        for file in files where file.hasSuffix(".swift") {
            let source = try String(contentsOf: Self.root.appendingPathComponent("Examples/\(file)"), encoding: .utf8)
            if Self.excerpt(source) != nil { #expect(checked.contains("Examples/\(file)"), "Examples/\(file) is shown nowhere in README.md or docs/") }
        }
    }

    /// README.md and every docs/*.md file, as paths relative to the root.
    static func documents() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
    }

    static func examplePath(_ line: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("<!-- example: "), trimmed.hasSuffix(" -->") else { return nil }
        return String(trimmed.dropFirst("<!-- example: ".count).dropLast(" -->".count))
    }

    static func fencedBlock(after index: Int, in lines: [String]) -> [String]? {
        guard index + 1 < lines.count, lines[index + 1] == "```swift",
              let end = lines[(index + 2)...].firstIndex(of: "```") else { return nil }
        return Array(lines[(index + 2)..<end])
    }

    static func excerpt(_ source: String) -> [String]? {
        let lines = source.components(separatedBy: "\n")
        guard let begin = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// README begin" }),
              let end = lines[begin...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// README end" })
        else { return nil }
        let body = Array(lines[(begin + 1)..<end])
        let indent = body.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.prefix(while: { $0 == " " }).count }.min() ?? 0
        return body.map { $0.count >= indent ? String($0.dropFirst(indent)) : $0.trimmingCharacters(in: .whitespaces) }
    }
}
