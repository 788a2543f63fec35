import Foundation

/// A status line that rewrites itself in place at the bottom of a terminal (carriage return and erase-line), with
/// ordinary lines scrolling above it. Off the terminal (a pipe, a file, --json) it prints nothing, so logs stay clean.
struct ProgressLine {
    let enabled: Bool
    private var shown = false

    init(enabled: Bool = isatty(STDOUT_FILENO) == 1) {
        self.enabled = enabled
    }

    /// Prints a line above the status line; a line that cannot be written is an error.
    mutating func print(_ line: String) throws {
        clear()
        try emitOrThrow(line)
    }

    mutating func show(_ status: String) {
        guard enabled else { return }
        writeOut("\r\u{1B}[K\(status)")
        shown = true
    }

    mutating func clear() {
        guard shown else { return }
        writeOut("\r\u{1B}[K")
        shown = false
    }
}
