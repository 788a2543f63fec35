import Foundation

/// The user a PSKC key is handed to. RFC 6030 puts a `<UserId>` in `<Key>` (the key's user) and in `<DeviceInfo>`
/// (the device's); both hold a distinguished name (RFC 4514), such as `UID=jsmith,DC=example-bank,DC=net` in its
/// figure 3. otpkit files the key under the key's UserId, else the device's, and takes a DN's `UID` as the user name
/// (what a login gives); a UserId that is no DN with one UID is taken as written. Written back as `UID=NAME`.
enum PSKCUserId {
    /// The user name for `key` in `package`, or nil when neither names one.
    static func user(of key: XMLTree.Element, in package: XMLTree.Element) -> String? {
        guard let raw = (key.child("UserId") ?? package.path("DeviceInfo", "UserId"))?.text else { return nil }
        // Whitespace around the text is layout, except a space escaped at the end of a DN (`UID=x\ `).
        var text = Substring(raw.drop(while: \.isWhitespace))
        while let last = text.last, last.isWhitespace, !(last == " " && text.dropLast().last == "\\") { text.removeLast() }
        guard !text.isEmpty else { return nil }
        return uid(inDistinguishedName: String(text)) ?? String(text).trimmingCharacters(in: .whitespaces)
    }

    /// The `<UserId>` text for a user name: a DN of one `UID`, escaped as RFC 4514 section 2.4 says.
    static func distinguishedName(forUser name: String) -> String {
        var escaped = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            switch character {
            case "\"", "+", ",", ";", "<", ">", "\\", "=": escaped += "\\" + String(character)
            case "#" where index == 0, " " where index == 0 || index == characters.count - 1: escaped += "\\" + String(character)
            case "\0": escaped += "\\00"
            default: escaped.append(character)
            }
        }
        return "UID=" + escaped
    }

    /// The value of the one `UID` attribute of an RFC 4514 distinguished name; nil when `text` is no such DN (not
    /// a DN, no UID or several, a value in the `#hex` form, quotes as RFC 2253 allowed).
    static func uid(inDistinguishedName text: String) -> String? {
        let bytes = Array(text.utf8)
        var index = 0
        var found: [UInt8]?
        while index < bytes.count {
            // attributeType "=" attributeValue, then "," or "+" (spaces around the type tolerated, as people write them).
            while index < bytes.count, bytes[index] == 0x20 { index += 1 }
            let typeStart = index
            while index < bytes.count, bytes[index] != 0x3D, bytes[index] != 0x2C, bytes[index] != 0x2B { index += 1 }
            guard index < bytes.count, bytes[index] == 0x3D else { return nil }
            let type = String(decoding: bytes[typeStart..<index], as: UTF8.self).trimmingTrailingSpaces()
            guard isAttributeType(type) else { return nil }
            index += 1
            guard index == bytes.count || (bytes[index] != 0x23 && bytes[index] != 0x22) else { return nil }
            var value: [UInt8] = []
            var trailingEscaped = 0
            while index < bytes.count, bytes[index] != 0x2C, bytes[index] != 0x2B {
                if bytes[index] == 0x5C {
                    guard index + 1 < bytes.count else { return nil }
                    if let high = hexValue(bytes[index + 1]), index + 2 < bytes.count, let low = hexValue(bytes[index + 2]) {
                        value.append(high << 4 | low)
                        index += 3
                    } else {
                        guard escapable.contains(bytes[index + 1]) else { return nil }
                        value.append(bytes[index + 1])
                        index += 2
                    }
                    trailingEscaped = value.count
                } else {
                    guard bytes[index] != 0x22 else { return nil }
                    value.append(bytes[index])
                    index += 1
                }
            }
            // Unescaped spaces before a separator are not part of the value.
            while value.count > trailingEscaped, value.last == 0x20 { value.removeLast() }
            if index < bytes.count { index += 1 }
            if ["uid", "0.9.2342.19200300.100.1.1"].contains(type.lowercased()) {
                guard found == nil else { return nil }
                found = value
            }
        }
        guard let found, !found.isEmpty, let name = String(validating: found, as: UTF8.self) else { return nil }
        return name
    }

    /// What may follow a backslash besides two hex digits: space " # + , ; < = > \\
    private static let escapable: Set<UInt8> = [0x20, 0x22, 0x23, 0x2B, 0x2C, 0x3B, 0x3C, 0x3D, 0x3E, 0x5C]

    /// A descriptor (`UID`, `DC`) or a numeric OID.
    private static func isAttributeType(_ type: String) -> Bool {
        guard let first = type.unicodeScalars.first, type.unicodeScalars.allSatisfy(\.isASCII) else { return false }
        if first.properties.isAlphabetic {
            return type.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" }
        }
        let parts = type.split(separator: ".", omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { ("0"..."9").contains($0) } }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
