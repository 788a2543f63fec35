import Foundation
import OTPCore

/// The oathtool binary, as an independent HOTP implementation.
enum Oathtool {
    static func hotp(secret: Secret, counter: UInt64, digits: Int) throws -> String {
        guard let path = ["/usr/bin/oathtool", "/usr/local/bin/oathtool"].first(where: FileManager.default.isExecutableFile) else {
            throw CLIFailure("oathtool is not installed (apt-get install oathtool; `make demo` does it)", code: .checkFailed)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--hotp", "--counter=\(counter)", "--digits=\(digits)", "-"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // The key goes through standard input, not the command line, so other users cannot see it in ps.
        try input.fileHandleForWriting.write(contentsOf: Data((secret.hex + "\n").utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
