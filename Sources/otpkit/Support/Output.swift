import Foundation

/// Prints a value as pretty, key-sorted JSON.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Prints a value as one line of key-sorted JSON (for streams of events that scripts read line by line).
func printJSONLine<T: Encodable>(_ value: T) throws {
    emit(try jsonLine(value))
}

/// A value as one line of key-sorted JSON.
func jsonLine<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// As `emit`, but a line that cannot be written (EPIPE, a full disk) is an error: for output whose loss must change
/// what the command does next (a batch stops when nobody can see what the next tokens get).
func emitOrThrow(_ line: String) throws {
    try FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
}

/// Writes a line to standard output at once, unbuffered, so that a reader of a pipe (a parent process, a script
/// waiting for a prompt) sees it while the command is still running.
func emit(_ line: String) {
    try? emitOrThrow(line)
}

/// Writes to standard output without buffering. A reader that went away (EPIPE: SIGPIPE is ignored, see
/// `OTPKitCommand.main`) or a full disk loses the text, never the process: a server keeps serving, and a command
/// that committed something still finishes.
func writeOut(_ text: String) {
    try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
}

/// Writes to standard error, as `writeOut` does to standard output.
func writeError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
}
