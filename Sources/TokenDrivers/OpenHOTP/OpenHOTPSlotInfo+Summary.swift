extension OpenHOTPSlotInfo {
    /// The slot in words: `HOTP SHA1, 6 digits, counter 0, touch  "name"`, or `empty`.
    public var summary: String {
        guard programmed, let algorithm, let digits, let counter else { return "empty" }
        let label = name.map { $0.isEmpty ? "" : "  \"\($0)\"" } ?? ""
        return "HOTP \(algorithm.rawValue), \(digits) digits, counter \(counter)\(touch == true ? ", touch" : "")\(label)"
    }
}
