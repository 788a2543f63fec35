/// Whether a `postgres://` location carries a password (`USER:PASSWORD@HOST`): the configuration file names the
/// database password by its file only.
enum PostgresURLPassword {
    static func isIn(_ location: String) -> Bool {
        guard let scheme = ["postgres://", "postgresql://"].first(where: location.hasPrefix) else { return false }
        let authority = location.dropFirst(scheme.count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return false }
        return authority[..<at].contains(":")
    }
}
