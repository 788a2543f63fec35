import Foundation
import Testing
import TestSupport
import VerifierConfiguration

/// `packaging/verifier.yaml`, the example the Debian package installs as /etc/otpkit/verifier.yaml: accepted as
/// shipped and with every `#key: value` line uncommented, and holding every setting, so that a `serve` option added
/// without a configuration key (or a key left out of the example) fails here.
@Suite struct ExampleConfigurationTests {
    static let path = ProjectPaths.root.appendingPathComponent("packaging/verifier.yaml").path

    static var text: String { get throws { try String(contentsOfFile: path, encoding: .utf8) } }

    /// The example with each commented-out setting (`#key: value`, no space after the #) made live.
    static var uncommented: String {
        get throws {
            try text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                guard let hash = line.firstIndex(of: "#"), line[..<hash].allSatisfy({ $0 == " " }),
                      let first = line[line.index(after: hash)...].first, first.isLowercase else { return String(line) }
                return String(line[..<hash] + line[line.index(after: hash)...])
            }.joined(separator: "\n")
        }
    }

    @Test func theExampleAsShippedIsAccepted() throws {
        let file = try ConfigurationFile(parsing: Array(try Self.text.utf8), path: Self.path)
        #expect(file.value(.databaseLocation) == .text("/var/lib/otpkit/verifier.sqlite"))
        #expect(file.value(.masterKeyFile) == .text("/var/lib/otpkit/verifier.key"))
        #expect(file.value(.firstAdminKey) == .boolean(false), "under systemd a printed key would stay in the journal")
        let sources = VerifierConfigurationSources(file: file, environment: [:])
        #expect(try sources.serve().listen == "127.0.0.1:8400")
    }

    @Test func theExampleHoldsEverySettingAndItsDefault() throws {
        let file = try ConfigurationFile(parsing: Array(try Self.uncommented.utf8), path: Self.path)
        for setting in VerifierSetting.allCases {
            #expect(file.entries[setting] != nil, "packaging/verifier.yaml has no line for \(setting.key) (\(setting.flag))")
            // The package sets these two itself: its own database, and no admin key printed into the journal.
            if let value = setting.defaultValue, ![.databaseLocation, .firstAdminKey].contains(setting) {
                #expect(file.value(setting) == setting.kind.parse(value), "\(setting.key): the example shows the default \(value)")
            }
        }
        _ = try VerifierConfigurationSources(file: file, environment: [:]).serve()
    }

    /// Every option `serve --help` lists is a setting (its flag), and every setting is an option of `serve`.
    @Test func everyServeOptionHasAConfigurationKey() throws {
        let help = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "serve", "--help"])
        #expect(help.status == 0)
        // The OPTIONS section's lines: `--listen <host:port>`, `--strip-realm/--no-strip-realm`, `-h, --help`.
        let options = help.stdout.components(separatedBy: "OPTIONS:").last ?? ""
        var flags = Set<String>()
        for line in options.split(separator: "\n") {
            for word in line.split(separator: " ").prefix(while: { $0.hasPrefix("-") }) {
                for name in word.split(separator: "/") where name.hasPrefix("--") {
                    let flag = String(name.filter { $0 != "," })
                    guard flag.dropFirst(2).allSatisfy({ $0.isLowercase || $0 == "-" }) else { continue }
                    flags.insert(flag.hasPrefix("--no-") ? "--" + flag.dropFirst(5) : flag)
                }
            }
        }
        let optionsOnly: Set<String> = ["--help", "--version", "--config"]
        for flag in flags.subtracting(optionsOnly) {
            #expect(VerifierSetting.allCases.contains { $0.flag == flag }, "serve --help lists \(flag), which has no configuration key")
        }
        for setting in VerifierSetting.allCases {
            #expect(flags.contains(setting.flag), "\(setting.key)'s flag \(setting.flag) is not a serve option")
        }
    }

    @Test func configCheckAcceptsTheExample() throws {
        let check = try Subprocess.run(ProjectPaths.otpkit.path, ["verifier", "config", "check", Self.path])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout == "\(Self.path): ok\n")
    }
}
