/// The YAML type a setting's value must have in the file (a wrong one is refused as a wrong type, before its value).
enum SettingValueType: Sendable {
    case text, integer, number, boolean

    /// How the error names it: "expected a whole number, found text".
    var name: String {
        switch self {
        case .text: "text"
        case .integer: "a whole number"
        case .number: "a number"
        case .boolean: "true or false"
        }
    }
}
