import Foundation

/// Prints a value as pretty, key-sorted JSON.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Prints a value as one line of key-sorted JSON (for streams of events that scripts read line by line).
func printJSONLine<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    emit(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Writes a line to standard output at once, unbuffered, so that a reader of a pipe (a parent process, a script
/// waiting for a prompt) sees it while the command is still running.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
