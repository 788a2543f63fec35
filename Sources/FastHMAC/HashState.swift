#if canImport(CCryptoBoringSSL)
internal import CCryptoBoringSSL

/// A running hash of swift-crypto's own BoringSSL (its CCryptoBoringSSL module): the C context as a plain value.
///
/// swift-crypto's `HashFunction` types wrap these very contexts in copy-on-write heap objects with checked access,
/// so a copy of a keyed HMAC state through them costs an allocation, reference counting, runtime exclusivity
/// checks and zeroing on release: perf put that at about two thirds of a code's time (~450-700 ns a code, against
/// ~150-250 ns as values; `otpkit-bench hotp`). Copied as a value, a state is a memcpy on the stack; the
/// compressions are BoringSSL's as before (SHA-NI or AVX2, picked by BoringSSL at run time). `KeyedHMAC` wipes
/// every working copy when done.
protocol HashState: Sendable {
    static var blockByteCount: Int { get }
    static var digestByteCount: Int { get }
    /// The state before any input.
    init()
    mutating func absorb(_ bytes: UnsafeRawPointer, count: Int)
    /// Writes the digest (`digestByteCount` bytes) to `digest`; the state is spent.
    mutating func finish(into digest: UnsafeMutableRawPointer)
}

extension HashState {
    /// Overwrites the state, as swift-crypto does with its own, so that no copy of keyed material outlives its use.
    mutating func wipe() {
        withUnsafeMutableBytes(of: &self) { wipeMemory($0) }
    }
}

/// Zeroes memory in a way the optimiser keeps (BoringSSL's `OPENSSL_cleanse`).
func wipeMemory(_ bytes: UnsafeMutableRawBufferPointer) {
    CCryptoBoringSSL_OPENSSL_cleanse(bytes.baseAddress, bytes.count)
}

struct SHA1State: HashState {
    private var context = SHA_CTX()
    static var blockByteCount: Int { 64 }
    static var digestByteCount: Int { 20 }

    init() { _ = CCryptoBoringSSL_SHA1_Init(&context) }

    mutating func absorb(_ bytes: UnsafeRawPointer, count: Int) {
        _ = CCryptoBoringSSL_SHA1_Update(&context, bytes, count)
    }

    mutating func finish(into digest: UnsafeMutableRawPointer) {
        _ = CCryptoBoringSSL_SHA1_Final(digest.assumingMemoryBound(to: UInt8.self), &context)
    }
}

struct SHA256State: HashState {
    private var context = SHA256_CTX()
    static var blockByteCount: Int { 64 }
    static var digestByteCount: Int { 32 }

    init() { _ = CCryptoBoringSSL_SHA256_Init(&context) }

    mutating func absorb(_ bytes: UnsafeRawPointer, count: Int) {
        _ = CCryptoBoringSSL_SHA256_Update(&context, bytes, count)
    }

    mutating func finish(into digest: UnsafeMutableRawPointer) {
        _ = CCryptoBoringSSL_SHA256_Final(digest.assumingMemoryBound(to: UInt8.self), &context)
    }
}

struct SHA512State: HashState {
    private var context = SHA512_CTX()
    static var blockByteCount: Int { 128 }
    static var digestByteCount: Int { 64 }

    init() { _ = CCryptoBoringSSL_SHA512_Init(&context) }

    mutating func absorb(_ bytes: UnsafeRawPointer, count: Int) {
        _ = CCryptoBoringSSL_SHA512_Update(&context, bytes, count)
    }

    mutating func finish(into digest: UnsafeMutableRawPointer) {
        _ = CCryptoBoringSSL_SHA512_Final(digest.assumingMemoryBound(to: UInt8.self), &context)
    }
}
#endif
