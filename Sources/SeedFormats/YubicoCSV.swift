import OTPCore

/// Yubico's CSV export of OATH-HOTP configurations, as ykpersonalize and the YubiKey Personalization Tool write it:
/// `serial,public id,moving factor,secret hex,access code,timestamp,` (one line a key; `#` lines are comments).
public enum YubicoCSV {
    public static func parse(_ text: String) throws(SeedFormatError) -> [SeedRecord] {
        var records: [SeedRecord] = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let number = index + 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 4 else { throw .badCSV(line: number, reason: "expected serial,public id,moving factor,secret hex,...") }
            guard !fields[0].isEmpty, fields[0].allSatisfy(\.isNumber) else { throw .badCSV(line: number, reason: "the serial is not a number") }
            guard let counter = fields[2].isEmpty ? 0 : UInt64(fields[2]) else {
                throw .badCSV(line: number, reason: "the moving factor is not a number")
            }
            let secret: Secret
            do { secret = try Secret(hex: fields[3]) } catch {
                throw .badCSV(line: number, reason: "the secret is not hex (\(error.description))")
            }
            guard (1...64).contains(secret.count) else { throw .badCSV(line: number, reason: "the secret is \(secret.count) bytes") }
            records.append(SeedRecord(serial: fields[0], family: "YubiKey", issuer: "Yubico", counter: counter, secret: secret))
        }
        return records
    }

    public static func write(_ records: [SeedRecord], timestamp: String) -> String {
        records.map { "\($0.serial),,\($0.counter),\($0.secret.hex),,\(timestamp)," }.joined(separator: "\n") + "\n"
    }
}
