import Foundation

/// Where the package and its built products are, for tests that run files and binaries.
public enum ProjectPaths {
    /// The package root, found from this source file's location.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The folder holding the test bundle, which is also where `swift build` put the executables.
    public static var binaries: URL {
        if let override = ProcessInfo.processInfo.environment["OTPKIT_BIN_DIR"] { return URL(fileURLWithPath: override) }
        var url = Bundle.main.bundleURL
        if url.pathExtension == "xctest" { url.deleteLastPathComponent() }
        return url
    }

    /// The built `otpkit` executable.
    public static var otpkit: URL { binaries.appendingPathComponent("otpkit") }

    /// The built `otpkit-bench` executable (a product of the package: the debug build has it too).
    public static var otpkitBench: URL { binaries.appendingPathComponent("otpkit-bench") }
}
