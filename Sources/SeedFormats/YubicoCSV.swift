import OTPCore

/// The CSV logs of Yubico's YubiKey Personalization Tool, of which only OATH-HOTP configurations are imported.
///
/// The tool writes one line a programmed slot in one of two layouts (its "Yubico" and "Traditional" formats):
///
/// - Yubico: `serial,public id,X,secret hex,access code,timestamp,` where X is the OATH-HOTP moving factor, the
///   Yubico OTP private id (12 hex digits, with a 16-byte AES key), `0` for HMAC challenge-response, or empty for
///   a static password or Yubico OTP challenge-response. otpkit writes this layout too.
/// - Traditional: `event type,local time,slot,public id,private id,secret hex,current access code,new access code,
///   fixed modhex 1,fixed modhex 2,fixed modhex,HOTP digits,moving factor,strong pw 1,strong pw 2,send ref,
///   challenge button,HMAC lt64` after a `LOGGING START,time` line; the event type says what the slot became
///   (`OATH-HOTP`, `Yubico OTP`, `Static Password`, `Challenge-Response: HMAC-SHA1`...). This layout has no serial,
///   so an OATH-HOTP line is filed under its OATH token identifier (the public id) and slot: `cccc...-2`.
///
/// Lines that configured something else are skipped with a note; a line otpkit cannot place is refused.
/// An HMAC challenge-response line without public id (`serial,,0,secret,...`) cannot be told from an OATH-HOTP
/// line with moving factor 0 and is read as one, as Yubico's own importers do.
public enum YubicoCSV {
    /// The Traditional layout's columns after the local time (which may itself hold commas): slot ... HMAC lt64.
    static let traditionalTrailingColumns = 16
    /// The length, in hex digits, of a Yubico OTP private id.
    static let privateIDLength = 12
    /// The byte length of a Yubico OTP AES key; OATH-HOTP secrets on a YubiKey are 20 bytes.
    static let yubicoOTPKeyLength = 16
    /// The largest secret otpkit accepts from a CSV line, in bytes.
    static let maximumSecretLength = 64

    /// The OATH-HOTP records of a CSV log and a note for each line skipped.
    public static func read(_ text: String) throws(SeedFormatError) -> SeedFile.Contents {
        var contents = SeedFile.Contents(records: [])
        // Spreadsheets save CSV with a UTF-8 byte-order mark.
        let body = text.hasPrefix("\u{FEFF}") ? Substring(text.dropFirst()) : Substring(text)
        for (index, rawLine) in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let number = index + 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if fields[0].first?.isNumber == true {
                switch try yubicoLine(fields, number: number) {
                case .record(let record): contents.records.append(record)
                case .skipped(let note): contents.skipped.append(note)
                }
            } else if fields[0] == "LOGGING START" {
                continue
            } else if let kind = TraditionalEvent(rawValue: fields[0]) ?? TraditionalEvent(prefixOf: fields[0]) {
                guard fields.count >= 2 + traditionalTrailingColumns else {
                    throw .badCSV(line: number, reason: "a \(fields[0]) line of the Traditional format has too few columns")
                }
                if kind == .oathHOTP {
                    contents.records.append(try traditionalHOTPLine(fields, number: number))
                } else {
                    contents.skipped.append("line \(number): a \(fields[0]) configuration, not OATH-HOTP")
                }
            } else {
                throw .badCSV(line: number, reason: "not a line of Yubico's CSV formats (expected a serial or an event type such as OATH-HOTP first)")
            }
        }
        return contents
    }

    /// Only the records, for callers that need not report skipped lines.
    public static func parse(_ text: String) throws(SeedFormatError) -> [SeedRecord] {
        try read(text).records
    }

    /// How a Traditional-format log may begin.
    static let traditionalOpenings = ["LOGGING START,"] + TraditionalEvent.allCases.map { $0.rawValue + "," }
            + [TraditionalEvent.staticPassword.rawValue + ":"]

    /// The event types the Traditional format writes.
    enum TraditionalEvent: String, CaseIterable {
        case oathHOTP = "OATH-HOTP"
        case yubicoOTP = "Yubico OTP"
        case staticPassword = "Static Password"
        case challengeResponseOTP = "Challenge-Response: Yubico OTP"
        case challengeResponseHMAC = "Challenge-Response: HMAC-SHA1"
        case update = "Configuration Update"
        case swap = "Configuration Swap"

        /// `Static Password: Short` and `Static Password: Scan Code` are static passwords too.
        init?(prefixOf text: String) {
            guard text.hasPrefix(Self.staticPassword.rawValue + ":") else { return nil }
            self = .staticPassword
        }
    }

    enum LineResult {
        case record(SeedRecord)
        case skipped(String)
    }

    private static func yubicoLine(_ fields: [String], number: Int) throws(SeedFormatError) -> LineResult {
        guard fields.count >= 4 else { throw .badCSV(line: number, reason: "expected serial,public id,moving factor,secret hex,...") }
        guard fields[0].allSatisfy(\.isASCIIDigit) else { throw .badCSV(line: number, reason: "the serial is not a number") }
        let third = fields[2]
        if third.isEmpty {
            return .skipped("line \(number): a static password or challenge-response configuration (no moving factor), not OATH-HOTP")
        }
        let secret = try secret(fields[3], number: number)
        if third.count == privateIDLength, third.allSatisfy(\.isHexDigit), secret.count == yubicoOTPKeyLength {
            return .skipped("line \(number): a Yubico OTP configuration (private id and AES key), not OATH-HOTP")
        }
        guard third.allSatisfy(\.isASCIIDigit), let counter = UInt64(third) else {
            throw .badCSV(line: number, reason: "the moving factor is not a number")
        }
        return .record(SeedRecord(serial: fields[0], family: "YubiKey", issuer: "Yubico", counter: counter, secret: secret))
    }

    private static func traditionalHOTPLine(_ fields: [String], number: Int) throws(SeedFormatError) -> SeedRecord {
        // Columns counted from the end, so that a local time written with commas does not shift them.
        let base = fields.count - traditionalTrailingColumns
        let slot = fields[base], publicID = fields[base + 1], secretHex = fields[base + 3]
        let digitsText = fields[base + 9], movingFactor = fields[base + 10]
        guard let slotNumber = Int(slot), (1...2).contains(slotNumber) else {
            throw .badCSV(line: number, reason: "the configuration slot is not 1 or 2")
        }
        guard !publicID.isEmpty else {
            throw .badCSV(line: number, reason: "an OATH-HOTP line without a token identifier names no token (log in the Yubico format, which has the serial)")
        }
        guard let digits = Int(digitsText), [6, 8].contains(digits) else {
            throw .badCSV(line: number, reason: "the HOTP length is not 6 or 8")
        }
        guard movingFactor.allSatisfy(\.isASCIIDigit), let counter = UInt64(movingFactor) else {
            throw .badCSV(line: number, reason: "the moving factor is not a number")
        }
        return SeedRecord(serial: publicID, slot: slotNumber, family: "YubiKey", issuer: "Yubico", digits: digits,
                          counter: counter, secret: try secret(secretHex, number: number))
    }

    private static func secret(_ hex: String, number: Int) throws(SeedFormatError) -> Secret {
        let secret: Secret
        do { secret = try Secret(hex: hex) } catch {
            throw .badCSV(line: number, reason: "the secret is not hex (\(error.description))")
        }
        guard secret.count <= maximumSecretLength else { throw .badCSV(line: number, reason: "the secret is \(secret.count) bytes") }
        return secret
    }

    public static func write(_ records: [SeedRecord], timestamp: String) -> String {
        records.map { "\($0.serial),,\($0.counter),\($0.secret.hex),,\(timestamp)," }.joined(separator: "\n") + "\n"
    }
}

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
