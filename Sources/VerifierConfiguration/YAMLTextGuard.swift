/// What the configuration's text must be before the YAML parser sees it: at most `ConfigurationFile.maximumSize`
/// bytes of UTF-8, and no anchors together with aliases. An alias copies its anchor's node, and Yams hashes every
/// mapping key whole, so a few lines of nested aliases used as keys would take it exponential time; otpkit's
/// settings never need them. The check reads the raw bytes and errs on the side of refusing: a `*` or `&` that starts
/// a word (after a space, a line start, `[`, `{`, `,` or `:`) counts even inside quotes or a comment, and both must
/// be there for the file to be refused.
enum YAMLTextGuard {
    /// The first reason the text is refused, with its line; nil when the parser may read it.
    static func refusal(of bytes: [UInt8]) -> (line: Int, message: String)? {
        var line = 1
        var previous = UInt8(ascii: "\n")
        var firstAnchor: Int?
        var firstAlias: Int?
        for byte in bytes {
            if byte == UInt8(ascii: "\n") { line += 1 }
            if wordStarts.contains(previous) {
                if byte == UInt8(ascii: "&") { firstAnchor = firstAnchor ?? line }
                if byte == UInt8(ascii: "*") { firstAlias = firstAlias ?? line }
            }
            previous = byte
        }
        if firstAnchor != nil, let firstAlias {
            return (firstAlias, "anchors (&NAME) and aliases (*NAME) are not read: write each value where it belongs "
                + "(a * or & that starts a word counts, in quotes and comments too)")
        }
        return nil
    }

    /// The bytes after which a `*` or `&` may start an alias or an anchor in YAML.
    private static let wordStarts: Set<UInt8> = Set(" \t\r\n[{,:".utf8)
}
