/// Reads a fuzz input as a stream of choices: bytes and lengths that run out quietly (zeros once it is empty), so
/// that every input is a valid script.
struct FuzzInput {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isEmpty: Bool { position >= bytes.count }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// Up to `count` bytes (fewer when the input ends).
    mutating func bytes(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, position + max(0, count))
        defer { position = end }
        return Array(bytes[position..<end])
    }

    /// Exactly `count` bytes, padded with zeros.
    mutating func padded(_ count: Int) -> [UInt8] {
        let taken = bytes(count)
        return taken + [UInt8](repeating: 0, count: count - taken.count)
    }

    mutating func rest() -> [UInt8] { bytes(bytes.count - position) }
}
