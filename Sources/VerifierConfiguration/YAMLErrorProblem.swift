import Yams

/// A Yams error as a configuration problem: the parser's own words and the line, never the snippet of the file that
/// Yams' description quotes (it could hold a secret pasted where it does not belong).
enum YAMLErrorProblem {
    static func problem(for error: YamlError, path: String, text: String) -> ConfigurationProblem {
        let (line, message): (Int?, String) = switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            (mark.line, "is not valid YAML: \(problem)\(context.map { " (\($0.text))" } ?? "")")
        case .reader(let problem, let offset, _, _):
            (offset.map { Self.line(atOffset: $0, in: text) }, "is not valid YAML text: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            (context.mark.line, "the key \(duplicates.joined(separator: ", ")) is written twice in one section")
        default:
            (nil, "is not valid YAML")
        }
        let kind: ConfigurationProblem.Kind = if case .duplicatedKeysInMapping = error { .duplicateKey } else { .notYAML }
        return ConfigurationProblem(kind, source: .file(path, line: line), key: nil, message: message)
    }

    private static func line(atOffset offset: Int, in text: String) -> Int {
        1 + text.utf8.prefix(max(0, offset)).count { $0 == UInt8(ascii: "\n") }
    }
}
