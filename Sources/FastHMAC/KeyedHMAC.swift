#if canImport(CCryptoBoringSSL)
/// HMAC (RFC 2104) with the key absorbed once: the inner and outer states after the padded key block are kept and
/// copied for each message, so the HMAC of a counter costs the two compressions of the counter block and the outer
/// block, not four. Tests check it against swift-crypto's `HMAC<H>` (`SwiftCryptoHMAC`) byte for byte.
struct KeyedHMAC<State: HashState>: Sendable {
    private let inner: State
    private let outer: State

    init(key: [UInt8]) {
        var block = [UInt8](repeating: 0, count: State.blockByteCount)
        block.withUnsafeMutableBytes { block in
            if key.count > State.blockByteCount {
                var hash = State()
                hash.absorb(key, count: key.count)
                hash.finish(into: block.baseAddress!)
                hash.wipe()
            } else {
                block.copyBytes(from: key)
            }
        }
        var inner = State(), outer = State()
        for index in block.indices { block[index] ^= 0x36 }
        inner.absorb(block, count: block.count)
        for index in block.indices { block[index] ^= 0x36 ^ 0x5c }
        outer.absorb(block, count: block.count)
        block.withUnsafeMutableBytes { wipeMemory($0) }
        self.inner = inner
        self.outer = outer
    }

    /// HMAC(key, message) in full.
    func mac(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = DigestBuffer()
        defer { withUnsafeMutableBytes(of: &digest) { wipeMemory($0) } }
        return withUnsafeMutableBytes(of: &digest) { buffer in
            var work = inner
            work.absorb(message.baseAddress ?? UnsafeRawPointer(buffer.baseAddress!), count: message.count)
            work.finish(into: buffer.baseAddress!)
            work = outer
            work.absorb(buffer.baseAddress!, count: State.digestByteCount)
            work.finish(into: buffer.baseAddress!)
            work.wipe()
            return Array(buffer.prefix(State.digestByteCount))
        }
    }

    /// Calls `body` with each counter of `start ..< start + count` (the caller keeps it below `UInt64.max`) and its
    /// RFC 4226 number: the 31 bits at the offset the MAC's last nibble names (section 5.3). One pair of working
    /// states and one digest buffer on the stack serve the whole batch; they are wiped at its end.
    @inline(__always)
    func forEachTruncated(from start: UInt64, count: Int, _ body: (UInt64, UInt32) -> Void) {
        var work = inner
        var digest = DigestBuffer()
        withUnsafeMutableBytes(of: &digest) { buffer in
            let bytes = buffer.baseAddress!
            for index in 0..<count {
                let counter = start &+ UInt64(index)
                var message = counter.bigEndian
                work = inner
                withUnsafeBytes(of: &message) { work.absorb($0.baseAddress!, count: 8) }
                work.finish(into: bytes)
                work = outer
                work.absorb(bytes, count: State.digestByteCount)
                work.finish(into: bytes)
                let offset = Int(buffer[State.digestByteCount - 1] & 0x0f)
                let number = UInt32(buffer[offset] & 0x7f) << 24 | UInt32(buffer[offset + 1]) << 16
                    | UInt32(buffer[offset + 2]) << 8 | UInt32(buffer[offset + 3])
                body(counter, number)
            }
            wipeMemory(buffer)
        }
        work.wipe()
    }
}

/// Room for the largest digest (SHA-512's 64 bytes) on the stack.
private struct DigestBuffer {
    var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
}
#endif
