import Crypto
import Foundation
import OTPCore
import _CryptoExtras

/// PSKC, RFC 6030: read and write HOTP/TOTP key containers, plain or with secrets encrypted (AES-128-CBC, MAC
/// HMAC-SHA1) under a pre-shared key or a PBKDF2-derived one.
public enum PSKC {
    static let namespace = "urn:ietf:params:xml:ns:keyprov:pskc"
    static let hotpURN = "urn:ietf:params:xml:ns:keyprov:pskc:hotp"
    static let totpURN = "urn:ietf:params:xml:ns:keyprov:pskc:totp"
    static let aes128CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
    static let hmacSHA1 = "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
    static let pbkdf2 = "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2"
    /// A file cannot make an import spend minutes deriving a key.
    static let maxIterations = 10_000_000

    // MARK: Reading

    /// The keys of a PSKC file otpkit can verify, and notes on those it skipped.
    public static func read(_ data: [UInt8], credentials: SeedFile.Credentials = .init()) throws(SeedFormatError) -> SeedFile.Contents {
        let tree = try XMLTree.parse(data)
        let root = tree.root
        guard root.name == "KeyContainer" else { throw .badPSKC("the root element is \(root.name), not KeyContainer") }
        let keys = try Keys(container: root, credentials: credentials)
        var found: [(record: SeedRecord, device: String?, keyID: String?, label: String)] = []
        var skipped: [String] = []
        var position = 0
        for package in root.all("KeyPackage") {
            let device = package.path("DeviceInfo", "SerialNo")?.trimmedText.nonEmpty
            for key in package.all("Key") {
                position += 1
                let keyID = key.attributes["Id"]?.nonEmpty
                // A key without an Id is named by its place in the file in messages.
                let label = keyID ?? "number \(position) in the file"
                if let note = reasonToSkip(key, id: label) {
                    skipped.append(note)
                    continue
                }
                guard device != nil || keyID != nil else {
                    throw .badPSKC("key \(label) has no Id and its KeyPackage no DeviceInfo/SerialNo, so its token has no name; "
                                   + "give each Key an Id attribute or each device a SerialNo")
                }
                found.append((try record(key, package: package, keys: keys, label: label), device, keyID, label))
            }
        }
        guard !found.isEmpty else {
            throw skipped.isEmpty ? .badPSKC("no keys in the file")
                                  : .unsupported("no HOTP or TOTP key otpkit can verify (\(skipped.joined(separator: "; ")))")
        }
        let records = distinctDeviceIDs(found.map { (record: $0.record, device: $0.device, keyID: $0.keyID) })
        var firstLabel: [String: String] = [:]
        for (record, entry) in zip(records, found) {
            if let earlier = firstLabel.updateValue(entry.label, forKey: record.tokenID) {
                throw .badPSKC("the file names token \(record.tokenID) twice (keys \(earlier) and \(entry.label)); a token id must be unique")
            }
        }
        return SeedFile.Contents(records: records, skipped: skipped)
    }

    /// Why otpkit leaves a key out of an import, or nil to import it. Skipping keeps a file whose other keys are
    /// good importable (RFC 6030 figure 5 carries a PIN key beside its HOTP key).
    private static func reasonToSkip(_ key: XMLTree.Element, id: String) -> String? {
        let algorithm = key.attributes["Algorithm"] ?? hotpURN
        guard algorithm == hotpURN || algorithm == totpURN else {
            return "key \(id): its algorithm \(algorithm) is not HOTP or TOTP"
        }
        if let format = key.path("AlgorithmParameters", "ResponseFormat"),
           let flag = format.attributes["CheckDigits"] ?? format.attributes["CheckDigit"],
           ["true", "1"].contains(flag.lowercased()) {
            return "key \(id): its codes end in a Luhn check digit, which otpkit does not verify"
        }
        return nil
    }

    /// The token id of each key: its device's serial (the Key's Id when the device has none). Several keys on one
    /// device (RFC 6030 figure 10) each get `SERIAL-KEYID`, which stays the same in later files from the sender;
    /// a key without an Id is numbered by its place on the device instead (`SERIAL-1`, `SERIAL-2`...).
    private static func distinctDeviceIDs(_ found: [(record: SeedRecord, device: String?, keyID: String?)]) -> [SeedRecord] {
        var keysPerDevice: [String: Int] = [:]
        for entry in found { if let device = entry.device { keysPerDevice[device, default: 0] += 1 } }
        var placeOnDevice: [String: Int] = [:]
        return found.map { entry in
            var record = entry.record
            guard let device = entry.device else {
                // `read` refuses a key with neither a device serial nor an Id.
                record.serial = entry.keyID ?? ""
                return record
            }
            let place = placeOnDevice[device, default: 0] + 1
            placeOnDevice[device] = place
            record.serial = keysPerDevice[device, default: 0] > 1 ? "\(device)-\(entry.keyID ?? String(place))" : device
            return record
        }
    }

    /// The record of one HOTP or TOTP key; its serial is set by `distinctDeviceIDs`.
    private static func record(_ key: XMLTree.Element, package: XMLTree.Element, keys: Keys, label id: String) throws(SeedFormatError) -> SeedRecord {
        let algorithm = key.attributes["Algorithm"] ?? hotpURN
        guard let secretElement = key.path("Data", "Secret") else { throw .badPSKC("key \(id) has no secret") }
        let secretBytes = try value(secretElement, keyID: id, keys: keys)
        let secret: Secret
        do { secret = try Secret(bytes: secretBytes) } catch { throw .badPSKC("key \(id) has an empty secret") }

        var hash = OTPAlgorithm.sha1
        if let suite = key.path("AlgorithmParameters", "Suite")?.trimmedText, !suite.isEmpty {
            guard let parsed = OTPAlgorithm(name: suite) else { throw .unsupported("key \(id) uses suite \(suite)") }
            hash = parsed
        }
        var digits = 6
        if let format = key.path("AlgorithmParameters", "ResponseFormat") {
            if let encoding = format.attributes["Encoding"], encoding != "DECIMAL" { throw .unsupported("key \(id) answers in \(encoding)") }
            guard let length = format.attributes["Length"].flatMap(Int.init), OTPDigits.allowed.contains(length) else {
                throw .badPSKC("key \(id) has a response length otpkit cannot use (6 to 10 digits)")
            }
            digits = length
        }
        let counter = try key.path("Data", "Counter").map { (element: XMLTree.Element) throws(SeedFormatError) -> UInt64 in
            guard let number = UInt64(String(decoding: try value(element, keyID: id, keys: keys), as: UTF8.self)) else {
                throw .badPSKC("key \(id) has a counter that is not a number")
            }
            return number
        } ?? 0
        var period: Int?
        var timeDrift: Int?
        if algorithm == totpURN {
            period = 30
            if let interval = key.path("Data", "TimeInterval") {
                guard let seconds = Int(String(decoding: try value(interval, keyID: id, keys: keys), as: UTF8.self)), seconds > 0 else {
                    throw .badPSKC("key \(id) has a bad time interval")
                }
                period = seconds
            }
            if let drift = key.path("Data", "TimeDrift") {
                guard let steps = Int(String(decoding: try value(drift, keyID: id, keys: keys), as: UTF8.self)),
                      abs(steps) <= SeedRecord.maximumTimeDrift else {
                    throw .badPSKC("key \(id) has a time drift that is not a number of steps within ±\(SeedRecord.maximumTimeDrift)")
                }
                timeDrift = steps
            }
        }
        return SeedRecord(serial: id,
                          family: package.path("DeviceInfo", "Model")?.trimmedText ?? package.path("DeviceInfo", "Manufacturer")?.trimmedText,
                          issuer: key.child("Issuer")?.trimmedText, algorithm: hash, digits: digits, counter: counter,
                          period: period, timeDrift: timeDrift, user: PSKCUserId.user(of: key, in: package), secret: secret)
    }

    /// A data value: plain (base64 for the secret, decimal text for numbers; both come back as bytes) or encrypted.
    /// An encrypted value's MAC is checked before it is decrypted; one without a MAC is refused unless the
    /// credentials say the sender's files carry none.
    private static func value(_ element: XMLTree.Element, keyID: String, keys: Keys) throws(SeedFormatError) -> [UInt8] {
        if let plain = element.child("PlainValue") {
            if element.name == "Secret" {
                guard let data = Data(base64Encoded: plain.trimmedText, options: .ignoreUnknownCharacters) else {
                    throw .badPSKC("key \(keyID) has a secret that is not base64")
                }
                return Array(data)
            }
            return Array(plain.trimmedText.utf8)
        }
        guard let encrypted = element.child("EncryptedValue") else { throw .badPSKC("key \(keyID) has an empty \(element.name)") }
        if let mac = element.child("ValueMAC") {
            try keys.checkMAC(mac, over: encrypted, keyID: keyID)
        } else if keys.macKey != nil {
            throw .badPSKC("key \(keyID) has no ValueMAC although the file has a MAC key")
        } else if !keys.allowMissingMAC {
            throw .missingMAC(key: keyID)
        }
        let plaintext = try keys.decrypt(encrypted, what: "key \(keyID)")
        if element.name == "Secret" { return plaintext }
        // RFC 6030 encrypts integers as 8 big-endian bytes; TimeDrift is the one signed value (two's complement).
        guard plaintext.count <= 8 else { throw .badPSKC("key \(keyID): an encrypted number longer than 8 bytes") }
        let bits = plaintext.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Array((element.name == "TimeDrift" ? String(Int64(bitPattern: bits)) : String(bits)).utf8)
    }

    /// The container's encryption key and MAC key.
    struct Keys {
        var encryptionKey: [UInt8]?
        var macKey: [UInt8]?
        var allowMissingMAC: Bool

        init(container: XMLTree.Element, credentials: SeedFile.Credentials) throws(SeedFormatError) {
            allowMissingMAC = credentials.allowMissingMAC
            if let method = container.path("EncryptionKey", "DerivedKey", "KeyDerivationMethod") {
                guard method.attributes["Algorithm"] == pbkdf2, let parameters = method.child("PBKDF2-params") else {
                    throw .unsupported("key derivation \(method.attributes["Algorithm"] ?? "?")")
                }
                guard let password = credentials.password else { throw .needsKey(.password) }
                guard let salt = parameters.path("Salt", "Specified").flatMap({ Data(base64Encoded: $0.trimmedText) }),
                      let rounds = parameters.child("IterationCount").flatMap({ Int($0.trimmedText) }), (1...maxIterations).contains(rounds),
                      let length = Int(parameters.child("KeyLength")?.trimmedText ?? "16"), [16, 24, 32].contains(length) else {
                    throw .badPSKC("bad PBKDF2 parameters")
                }
                if let prf = parameters.child("PRF")?.attributes["Algorithm"], !prf.hasSuffix("hmac-sha1") {
                    throw .unsupported("PBKDF2 PRF \(prf)")
                }
                do {
                    let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .insecureSHA1,
                                                                outputByteCount: length, unsafeUncheckedRounds: rounds)
                    encryptionKey = key.withUnsafeBytes { Array($0) }
                } catch {
                    throw .badPSKC("PBKDF2 failed")
                }
            } else if container.child("EncryptionKey") != nil {
                guard let key = credentials.preSharedKey else { throw .needsKey(.preSharedKey) }
                encryptionKey = key
            }
            if let macKeyElement = container.path("MACMethod", "MACKey") {
                guard container.child("MACMethod")?.attributes["Algorithm"] == hmacSHA1 else {
                    throw .unsupported("MAC method \(container.child("MACMethod")?.attributes["Algorithm"] ?? "?")")
                }
                macKey = try decrypt(macKeyElement, what: "the MAC key")
            }
        }

        func decrypt(_ element: XMLTree.Element, what: String) throws(SeedFormatError) -> [UInt8] {
            guard let key = encryptionKey else { throw .needsKey(.preSharedKey) }
            let method = element.child("EncryptionMethod")?.attributes["Algorithm"]
            guard method == aes128CBC || method == nil else { throw .unsupported("encryption \(method ?? "?")") }
            guard key.count == 16 else { throw .wrongPassword }
            guard let cipherText = element.path("CipherData", "CipherValue"),
                  let raw = Data(base64Encoded: cipherText.trimmedText, options: .ignoreUnknownCharacters),
                  raw.count >= 32, raw.count % 16 == 0 else {
                throw .badPSKC("\(what) has no usable CipherValue")
            }
            do {
                let iv = try AES._CBC.IV(ivBytes: raw.prefix(16))
                return Array(try AES._CBC.decrypt(raw.dropFirst(16), using: SymmetricKey(data: key), iv: iv))
            } catch {
                throw .wrongPassword
            }
        }

        func checkMAC(_ mac: XMLTree.Element, over encrypted: XMLTree.Element, keyID: String) throws(SeedFormatError) {
            guard let macKey else {
                throw .badPSKC("key \(keyID) has a MAC (ValueMAC) but the file has no MAC key (MACMethod with a MACKey) to check it with")
            }
            guard let expected = Data(base64Encoded: mac.trimmedText) else { throw .badPSKC("key \(keyID) has a ValueMAC that is not base64") }
            guard let raw = encrypted.path("CipherData", "CipherValue").flatMap({ Data(base64Encoded: $0.trimmedText, options: .ignoreUnknownCharacters) })
            else { throw .badPSKC("key \(keyID) has no usable CipherValue") }
            let computed = HMAC<Insecure.SHA1>.authenticationCode(for: raw, using: SymmetricKey(data: macKey))
            guard ConstantTime.equals(Array(computed), Array(expected)) else { throw .badMAC(key: keyID) }
        }
    }

    // MARK: Writing

    public enum Protection: Sendable {
        case none
        case preSharedKey([UInt8])
        case password(String, iterations: Int = 100_000)
    }

    /// A PSKC document for `records`. With protection, secrets are encrypted and MACed; counters stay plain.
    public static func write(_ records: [SeedRecord], protection: Protection = .none) throws(SeedFormatError) -> String {
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                     "<pskc:KeyContainer xmlns:pskc=\"\(namespace)\" xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" "
                        + "xmlns:xenc11=\"http://www.w3.org/2009/xmlenc11#\" Version=\"1.0\">"]
        var encryptionKey: [UInt8]?
        switch protection {
        case .none:
            break
        case .preSharedKey(let key):
            guard key.count == 16 else { throw .badPSKC("a pre-shared key for AES-128 is 16 bytes") }
            encryptionKey = key
            lines.append(" <pskc:EncryptionKey/>")
        case .password(let password, let iterations):
            let salt = Secret.random(byteCount: 16).bytes
            do {
                let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .insecureSHA1,
                                                            outputByteCount: 16, unsafeUncheckedRounds: iterations)
                encryptionKey = key.withUnsafeBytes { Array($0) }
            } catch {
                throw .badPSKC("PBKDF2 failed")
            }
            lines += [" <pskc:EncryptionKey>", "  <xenc11:DerivedKey>",
                      "   <xenc11:KeyDerivationMethod Algorithm=\"\(pbkdf2)\">", "    <xenc11:PBKDF2-params>",
                      "     <Salt><Specified>\(Data(salt).base64EncodedString())</Specified></Salt>",
                      "     <IterationCount>\(iterations)</IterationCount>", "     <KeyLength>16</KeyLength>",
                      "    </xenc11:PBKDF2-params>", "   </xenc11:KeyDerivationMethod>", "  </xenc11:DerivedKey>",
                      " </pskc:EncryptionKey>"]
        }
        var macKey: [UInt8]?
        if let encryptionKey {
            let key = Secret.random(byteCount: 20).bytes
            macKey = key
            lines += [" <pskc:MACMethod Algorithm=\"\(hmacSHA1)\">", "  <pskc:MACKey>",
                      "   <xenc:EncryptionMethod Algorithm=\"\(aes128CBC)\"/>",
                      "   <xenc:CipherData><xenc:CipherValue>\(try encrypt(key, with: encryptionKey).base64EncodedString())</xenc:CipherValue></xenc:CipherData>",
                      "  </pskc:MACKey>", " </pskc:MACMethod>"]
        }
        for (index, record) in records.enumerated() {
            let algorithm = record.period == nil ? hotpURN : totpURN
            lines += [" <pskc:KeyPackage>", "  <pskc:DeviceInfo>"]
            if let family = record.family { lines.append("   <pskc:Model>\(escape(family))</pskc:Model>") }
            lines += ["   <pskc:SerialNo>\(escape(record.tokenID))</pskc:SerialNo>", "  </pskc:DeviceInfo>",
                      "  <pskc:Key Id=\"\(index + 1)\" Algorithm=\"\(algorithm)\">"]
            if let issuer = record.issuer { lines.append("   <pskc:Issuer>\(escape(issuer))</pskc:Issuer>") }
            lines += ["   <pskc:AlgorithmParameters>"]
            if record.algorithm != .sha1 { lines.append("    <pskc:Suite>HMAC-\(record.algorithm.rawValue)</pskc:Suite>") }
            lines += ["    <pskc:ResponseFormat Length=\"\(record.digits)\" Encoding=\"DECIMAL\"/>", "   </pskc:AlgorithmParameters>",
                      "   <pskc:Data>", "    <pskc:Secret>"]
            if let encryptionKey, let macKey {
                let cipherValue = try encrypt(record.secret.bytes, with: encryptionKey)
                let mac = Data(HMAC<Insecure.SHA1>.authenticationCode(for: cipherValue, using: SymmetricKey(data: macKey)))
                lines += ["     <pskc:EncryptedValue>", "      <xenc:EncryptionMethod Algorithm=\"\(aes128CBC)\"/>",
                          "      <xenc:CipherData><xenc:CipherValue>\(cipherValue.base64EncodedString())</xenc:CipherValue></xenc:CipherData>",
                          "     </pskc:EncryptedValue>", "     <pskc:ValueMAC>\(mac.base64EncodedString())</pskc:ValueMAC>"]
            } else {
                lines.append("     <pskc:PlainValue>\(Data(record.secret.bytes).base64EncodedString())</pskc:PlainValue>")
            }
            lines.append("    </pskc:Secret>")
            if let period = record.period {
                lines.append("    <pskc:TimeInterval><pskc:PlainValue>\(period)</pskc:PlainValue></pskc:TimeInterval>")
                if let drift = record.timeDrift {
                    lines.append("    <pskc:TimeDrift><pskc:PlainValue>\(drift)</pskc:PlainValue></pskc:TimeDrift>")
                }
            } else {
                lines.append("    <pskc:Counter><pskc:PlainValue>\(record.counter)</pskc:PlainValue></pskc:Counter>")
            }
            lines.append("   </pskc:Data>")
            // After Data, as RFC 6030's schema orders a Key's children.
            if let user = record.user { lines.append("   <pskc:UserId>\(escape(PSKCUserId.distinguishedName(forUser: user)))</pskc:UserId>") }
            lines += ["  </pskc:Key>", " </pskc:KeyPackage>"]
        }
        lines.append("</pskc:KeyContainer>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// IV || AES-128-CBC(PKCS#7) ciphertext, the CipherValue layout.
    private static func encrypt(_ plaintext: [UInt8], with key: [UInt8]) throws(SeedFormatError) -> Data {
        do {
            let ivBytes = Secret.random(byteCount: 16).bytes
            let ciphertext = try AES._CBC.encrypt(plaintext, using: SymmetricKey(data: key), iv: try AES._CBC.IV(ivBytes: ivBytes))
            return Data(ivBytes) + ciphertext
        } catch {
            throw .badPSKC("encryption failed")
        }
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

private extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
