/// Splits a byte stream into request lines with a hard limit: bytes past `maximumLineLength` in one line are
/// dropped (never buffered), and that line comes out as `.tooLong` when its newline arrives.
public struct ControlLineFramer: Sendable {
    public enum Line: Equatable, Sendable {
        case line([UInt8])
        case tooLong
    }

    public let maximumLineLength: Int
    private var buffer: [UInt8] = []
    private var overflowed = false

    public init(maximumLineLength: Int = EmulatorControlSession.maximumLineLength) {
        self.maximumLineLength = maximumLineLength
    }

    /// The complete lines in `bytes` (and what was buffered before); a trailing "\r" is dropped; blank lines are skipped.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Line] {
        var lines: [Line] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if overflowed {
                    lines.append(.tooLong)
                } else {
                    if buffer.last == UInt8(ascii: "\r") { buffer.removeLast() }
                    if !buffer.isEmpty { lines.append(.line(buffer)) }
                }
                buffer.removeAll(keepingCapacity: true)
                overflowed = false
            } else if !overflowed {
                if buffer.count >= maximumLineLength + 1 {  // one spare byte for a "\r"
                    overflowed = true
                    buffer.removeAll()
                } else {
                    buffer.append(byte)
                }
            }
        }
        return lines
    }
}
