import Yams

/// Reads the configuration's YAML with Yams (whose nodes carry their lines) and checks it against `VerifierSetting`:
/// a mapping of settings and sections of settings, each value a scalar of its setting's type with an allowed value.
/// Every problem is collected, so that `otpkit verifier config check` lists them all at once.
struct YAMLDocumentChecker {
    /// More problems than this are counted, not listed.
    static let maximumProblems = 20

    let path: String
    private(set) var entries: [VerifierSetting: ConfigurationFile.Entry] = [:]
    private(set) var problems: [ConfigurationProblem] = []
    private var unlisted = 0

    /// The settings `text` sets, or every problem it has.
    static func entries(of text: String, path: String) throws(VerifierConfigurationError) -> [VerifierSetting: ConfigurationFile.Entry] {
        var checker = YAMLDocumentChecker(path: path)
        let root: Node?
        do {
            root = try Parser(yaml: text).singleRoot()
        } catch let error as YamlError {
            throw VerifierConfigurationError(YAMLErrorProblem.problem(for: error, path: path, text: text))
        } catch {
            throw VerifierConfigurationError(ConfigurationProblem(.notYAML, source: .file(path, line: nil), key: nil, message: "is not valid YAML"))
        }
        checker.checkRoot(root)
        if checker.unlisted > 0 {
            checker.problems.append(ConfigurationProblem(checker.problems[checker.problems.count - 1].kind, source: .file(path, line: nil), key: nil,
                                                         message: "\(checker.unlisted) more problems not listed"))
        }
        guard checker.problems.isEmpty else { throw VerifierConfigurationError(checker.problems) }
        return checker.entries
    }

    private mutating func checkRoot(_ root: Node?) {
        guard let root, !Self.isNull(root) else { return }  // empty, or nothing but comments
        guard case .mapping(let mapping) = root else {
            report(.wrongType, at: root, key: nil, "must hold settings as `key: value` lines, found \(Self.describe(root))")
            return
        }
        check(mapping, section: nil)
    }

    private mutating func check(_ mapping: Node.Mapping, section: String?) {
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                report(.wrongType, at: keyNode, key: section, "a key must be a name, found \(Self.describe(keyNode))")
                continue
            }
            let name = keyScalar.string
            let key = section.map { "\($0).\(name)" } ?? name
            if let setting = VerifierSetting(rawValue: key) {
                check(value, of: setting, keyNode: keyNode)
            } else if section == nil, VerifierSetting.sections.contains(name) {
                switch value {
                case .mapping(let inner): check(inner, section: name)
                case _ where Self.isNull(value): continue  // a section whose keys are all commented out
                default:
                    report(.wrongType, at: value, key: key, "is a section: expected its keys indented under it "
                        + "(\(UnknownKeyAdvice.names(in: name).joined(separator: ", "))), found \(Self.describe(value))")
                }
            } else if let advice = UnknownKeyAdvice.inlineSecret(key) {
                report(.inlineSecret, at: keyNode, key: key, advice)
            } else {
                report(.unknownKey, at: keyNode, key: key, UnknownKeyAdvice.unknownKey(key))
            }
        }
    }

    private mutating func check(_ node: Node, of setting: VerifierSetting, keyNode: Node) {
        let expected = setting.kind.valueType
        guard case .scalar(let scalar) = node else {
            report(.wrongType, at: node, key: setting.key, "expected \(expected.name), found \(Self.describe(node))")
            return
        }
        guard !Self.isNull(node) else {
            report(.wrongType, at: keyNode, key: setting.key, "has no value: leave the key out (or comment it out) to keep the default")
            return
        }
        let tag = node.tag.rawValue
        let fits = switch expected {
        case .text: tag == Tag.Name.str.rawValue
        case .integer: tag == Tag.Name.int.rawValue
        case .number: tag == Tag.Name.int.rawValue || tag == Tag.Name.float.rawValue
        case .boolean: tag == Tag.Name.bool.rawValue
        }
        guard fits else {
            let hint = expected == .text ? " (quote it to make it text)" : ""
            report(.wrongType, at: node, key: setting.key, "expected \(expected.name), found \(Self.describe(node))\(hint)")
            return
        }
        guard setting.kind.parse(scalar.string) != nil else {
            report(.badValue, at: node, key: setting.key, "must be \(setting.kind.expectation)")
            return
        }
        if setting == .databaseLocation, PostgresURLPassword.isIn(scalar.string) {
            report(.inlineSecret, at: node, key: setting.key, "a password in the URL is never written in the configuration file: "
                + "put it in a file only otpkit's user can read and name that file with database.password_file (--db-password-file)")
            return
        }
        entries[setting] = ConfigurationFile.Entry(text: scalar.string, line: scalar.mark?.line)
    }

    private mutating func report(_ kind: ConfigurationProblem.Kind, at node: Node, key: String?, _ message: String) {
        guard problems.count < Self.maximumProblems else {
            unlisted += 1
            return
        }
        problems.append(ConfigurationProblem(kind, source: .file(path, line: node.mark?.line), key: key, message: message))
    }

    private static func isNull(_ node: Node) -> Bool {
        node.scalar != nil && node.tag.rawValue == Tag.Name.null.rawValue
    }

    /// What a node is, as messages name it ("a section", "a list", "a whole number", "text", ...).
    private static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a section (keys and values)"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar:
            switch node.tag.rawValue {
            case Tag.Name.str.rawValue: return "text"
            case Tag.Name.int.rawValue: return "a whole number"
            case Tag.Name.float.rawValue: return "a decimal number"
            case Tag.Name.bool.rawValue: return "true or false"
            case Tag.Name.null.rawValue: return "nothing"
            case Tag.Name.timestamp.rawValue: return "a date"
            default: return "a value tagged \(node.tag.rawValue)"
            }
        }
    }
}
