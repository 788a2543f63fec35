import SeedFormats

/// The seed file readers: what `otpkit verifier import` and `POST /v1/tokens` hand untrusted files to.
enum SeedFileFuzzing {
    /// A fixed key, so that encrypted PSKC gets past the key check into decryption and MAC checks. No password: a
    /// PBKDF2 iteration count from the input would spend the fuzzer's time in key derivation.
    static let preSharedKey: [UInt8] = Array(0x10...0x1f)

    static func pskc(_ input: [UInt8]) {
        _ = try? SeedFile.read(input, format: .pskc, credentials: .init(preSharedKey: preSharedKey))
        _ = try? SeedFile.read(input, format: .pskc)
    }

    static func yubicoCSV(_ input: [UInt8]) {
        _ = try? SeedFile.read(input, format: .csv)
    }

    static func seedJSON(_ input: [UInt8]) {
        _ = try? SeedFile.read(input, format: .json)
    }
}
