import CLibFuzzer
import FuzzEntryPoints
import Foundation

/// `otpkit-fuzz TARGET [libFuzzer arguments...]`: runs libFuzzer over one of the entry points of `FuzzTarget`.
/// One binary serves every target, so the sanitized build links once.
@main
struct OTPKitFuzz {
    /// The target chosen on the command line; libFuzzer's C callback cannot capture it.
    nonisolated(unsafe) static var target: FuzzTarget = .pskc

    static func main() {
        let arguments = CommandLine.arguments
        if arguments.count == 3, arguments[1] == "seeds" { writeSeeds(into: arguments[2]) }
        if arguments.count == 2, arguments[1] == "list" {
            print(FuzzTarget.allCases.map(\.rawValue).joined(separator: "\n"))
            exit(0)
        }
        guard arguments.count >= 2, let chosen = FuzzTarget(rawValue: arguments[1]) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            let usage = "usage: otpkit-fuzz TARGET [libFuzzer options] [CORPUS...] | otpkit-fuzz seeds DIR | otpkit-fuzz list; targets: \(names)\n"
            try? FileHandle.standardError.write(contentsOf: Data(usage.utf8))
            exit(64)
        }
        target = chosen
        // libFuzzer sees the program name followed by its own arguments (the target name removed).
        var cArguments: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) }
        cArguments.append(nil)
        var argc = Int32(cArguments.count - 1)
        let status = cArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
            return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
                OTPKitFuzz.target.run(UnsafeBufferPointer(start: data, count: size))
                return 0
            }
        }
        exit(status)
    }

    /// Writes every target's generated seeds into DIR/TARGET/seed-N, then exits.
    static func writeSeeds(into directory: String) -> Never {
        for target in FuzzTarget.allCases {
            let folder = URL(fileURLWithPath: directory).appendingPathComponent(target.rawValue)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for (index, seed) in target.generatedSeeds.enumerated() {
                    try Data(seed).write(to: folder.appendingPathComponent("seed-\(index + 1)"))
                }
            } catch {
                try? FileHandle.standardError.write(contentsOf: Data("otpkit-fuzz: cannot write \(folder.path): \(error)\n".utf8))
                exit(1)
            }
        }
        exit(0)
    }
}
