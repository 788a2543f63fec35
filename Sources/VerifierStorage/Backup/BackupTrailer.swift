import Foundation

/// The end of a backup file: the SQLite image comes first, untouched, and these 512 bytes of text follow it, so a
/// backup is written in one pass and its checksum appended last. It says how many bytes the image has and their
/// SHA-256; a file cut short loses the trailer, and a changed byte changes the sum: either is refused before
/// anything is restored. The other fields are for people (`tail -c 512 FILE`) and the restore's report.
///
///     #otpkit-verifier-backup 1
///     bytes=1638400
///     sha256=9f86d0…
///     schema=7
///     tokens=100000
///     master-key=3f2a…           (its id: the key itself is never in a backup)
///     taken=1700000000
///     (spaces up to 511 bytes, then a newline)
public struct BackupTrailer: Sendable, Equatable {
    public static let size = 512
    static let magic = "\n#otpkit-verifier-backup 1\n"

    /// The image's length in bytes, and their SHA-256 in hex.
    public var bytes: Int
    public var sha256: String
    public var schemaVersion: Int
    public var tokens: Int
    /// The id of the master key the image's seeds are sealed under (nil: none was ever recorded).
    public var masterKeyID: String?
    public var taken: Date

    /// The 512 bytes written after the image.
    public var rendered: [UInt8] {
        let text = Self.magic + "bytes=\(bytes)\nsha256=\(sha256)\nschema=\(schemaVersion)\ntokens=\(tokens)\n"
            + "master-key=\(masterKeyID ?? "-")\ntaken=\(Int(taken.timeIntervalSince1970))\n"
        var rendered = Array(text.utf8.prefix(Self.size - 1))
        rendered += Array(repeating: UInt8(ascii: " "), count: Self.size - 1 - rendered.count)
        return rendered + [UInt8(ascii: "\n")]
    }

    /// Reads the last 512 bytes of a file of `fileSize` bytes; nil unless they are a trailer whose image fills the rest.
    /// Every number is read as the integer it was written as (a time of "nan" or "1e300" is no trailer).
    public init?(_ tail: [UInt8], fileSize: Int) {
        guard tail.count == Self.size, tail.starts(with: Array(Self.magic.utf8)) else { return nil }
        var fields: [String: String] = [:]
        for line in String(decoding: tail.dropFirst(Self.magic.utf8.count), as: UTF8.self).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard let bytes = fields["bytes"].flatMap({ Int($0) }), bytes == fileSize - Self.size,
              let sha256 = fields["sha256"], sha256.utf8.count == 64,
              let schema = fields["schema"].flatMap({ Int($0) }), let tokens = fields["tokens"].flatMap({ Int($0) }),
              let taken = fields["taken"].flatMap({ Int($0) }) else { return nil }
        self.init(bytes: bytes, sha256: sha256, schemaVersion: schema, tokens: tokens,
                  masterKeyID: fields["master-key"].flatMap { $0 == "-" ? nil : $0 }, taken: Date(timeIntervalSince1970: Double(taken)))
    }

    public init(bytes: Int, sha256: String, schemaVersion: Int, tokens: Int, masterKeyID: String?, taken: Date) {
        self.bytes = bytes
        self.sha256 = sha256
        self.schemaVersion = schemaVersion
        self.tokens = tokens
        self.masterKeyID = masterKeyID
        self.taken = taken
    }
}
