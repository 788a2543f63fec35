/// What to say about a key that is no setting: the setting it most likely meant, or, for a secret written inline
/// (`db_password`, `database.password`, `master_key`, `tls.key`), the `_file` setting that names its file instead.
enum UnknownKeyAdvice {
    /// The names a section takes (`nil`: the top level's, sections included).
    static func names(in section: String?) -> [String] {
        var names: [String] = []
        for setting in VerifierSetting.allCases {
            let parts = setting.keyComponents
            let name = section == nil ? parts[0] : (parts.count == 2 && parts[0] == section ? parts[1] : nil)
            if let name, !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// "unknown key; did you mean http.listen?", or the names the key's section takes.
    static func unknownKey(_ key: String) -> String {
        if let meant = meant(key) { return "unknown key; did you mean \(meant.key)?" }
        let section = key.contains(".") ? String(key.prefix { $0 != "." }) : nil
        return "unknown key (\(section.map { "\($0) takes" } ?? "the file takes"): \(names(in: section).joined(separator: ", ")))"
    }

    /// Advice for a key that names a secret, or nil for any other key.
    static func inlineSecret(_ key: String) -> String? {
        let name = String(key.split(separator: ".").last ?? "").lowercased()
        guard !name.hasSuffix("_file"), ["password", "passwd", "secret", "key", "token", "pin", "psk"].contains(where: name.hasSuffix) else { return nil }
        let section = key.contains(".") ? String(key.prefix { $0 != "." }) : nil
        let setting: VerifierSetting? = if let own = VerifierSetting(rawValue: key + "_file") { own }
            else if name.contains("pass") { .databasePasswordFile }
            else if section == "tls" || name.contains("tls") || name == "private_key" { .tlsKeyFile }
            else if name.hasSuffix("key") { .masterKeyFile }
            else { nil }
        let rule = "a secret is never written in the configuration file"
        guard let setting else { return "\(rule): otpkit reads its secrets from files and the database, never from here" }
        return "\(rule): put it in a file only otpkit's user can read and name that file with \(setting.key) (\(setting.flag))"
    }

    /// The setting a mistyped or misplaced key most likely meant: the same name in another section, the flag's
    /// name (`db_pool_size`), or a key one or two letters off.
    static func meant(_ key: String) -> VerifierSetting? {
        let name = String(key.split(separator: ".").last ?? "")
        let sameName = VerifierSetting.allCases.filter { $0.keyComponents.last == name }
        if sameName.count == 1 { return sameName[0] }
        if let byFlag = VerifierSetting.allCases.first(where: { $0.flag.dropFirst(2).map { $0 == "-" ? "_" : $0 } == Array(name) }) {
            return byFlag
        }
        let close = VerifierSetting.allCases.map { ($0, distance(key, $0.key)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }
        return close?.0
    }

    /// Levenshtein distance, for short keys.
    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.prefix(64)), b = Array(b.prefix(64))
        guard !a.isEmpty else { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var diagonal = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let above = row[j]
                row[j] = min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1))
                diagonal = above
            }
        }
        return row[b.count]
    }
}
