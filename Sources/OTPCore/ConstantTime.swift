/// Comparisons whose running time does not depend on where two values differ.
public enum ConstantTime {
    /// Equal length and equal bytes. The length is not secret; the content is.
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }

    /// Compares two codes typed as text (a code is short, but it is still the secret half of a login).
    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        equals(Array(lhs.utf8), Array(rhs.utf8))
    }
}
