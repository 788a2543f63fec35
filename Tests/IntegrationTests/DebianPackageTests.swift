import Foundation
import TestSupport
import Testing

/// The Debian package `make deb` builds (packaging/build-deb.sh, run by `make test` before the tests): what it holds,
/// what it depends on, and its maintainer scripts run by apt in a chroot of a debootstrapped Debian 12 (install,
/// remove, install again, purge).
@Suite(.serialized) struct DebianPackageTests {
    /// `dpkg-deb` on the package.
    static func dpkgDeb(_ arguments: String...) throws -> ProcessResult {
        let result = try Subprocess.run("/usr/bin/dpkg-deb", arguments + [try DebianPackageFiles.package().path], timeout: 120)
        #expect(result.status == 0, "dpkg-deb \(arguments): \(result.stderr)")
        return result
    }

    @Test func thePackageHoldsTheBinaryUnitConfigurationManualsCompletionsAndDocs() async throws {
        try await runBlocking {
            let listing = try Self.dpkgDeb("--contents").stdout
            let paths = Set(listing.split(separator: "\n").compactMap { line in line.split(separator: " ").last.map { String($0.drop { $0 == "." }) } })
            for path in ["/usr/bin/otpkit", "/usr/lib/udev/rules.d/70-otpkit.rules", "/lib/systemd/system/otpkit-verifier.service",
                         "/etc/otpkit/verifier.yaml", "/etc/logrotate.d/otpkit", "/usr/share/man/man1/otpkit.1.gz",
                         "/usr/share/man/man1/otpkit.verifier.serve.1.gz", "/usr/share/bash-completion/completions/otpkit",
                         "/usr/share/zsh/vendor-completions/_otpkit", "/usr/share/fish/vendor_completions.d/otpkit.fish",
                         "/usr/share/doc/otpkit/copyright", "/usr/share/doc/otpkit/changelog.gz", "/usr/share/doc/otpkit/README.md.gz"] {
                #expect(paths.contains(path), "the package holds \(path)")
            }
            let conffiles = try Subprocess.run("/bin/sh", ["-c", "dpkg-deb --info \"$0\" conffiles", try DebianPackageFiles.package().path]).stdout
            #expect(conffiles.split(separator: "\n").sorted() == ["/etc/logrotate.d/otpkit", "/etc/otpkit/verifier.yaml"], "\(conffiles)")
        }
    }

    /// Depends is dpkg-shlibdeps' (the C libraries the binary links), and no Swift runtime library is among them:
    /// the server needs no Swift toolchain.
    @Test func dependsIsComputedAndTheSwiftRuntimeIsStatic() async throws {
        try await runBlocking {
            let depends = try Self.dpkgDeb("--field").stdout
            for library in ["libc6", "libsqlite3-0", "libusb-1.0-0", "libudev1", "adduser"] {
                #expect(depends.contains(library), "Depends names \(library): \(depends)")
            }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-deb-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            _ = try Subprocess.run("/usr/bin/dpkg-deb", ["--extract", try DebianPackageFiles.package().path, folder.path], timeout: 120)
            let binary = folder.appendingPathComponent("usr/bin/otpkit").path
            let libraries = try Subprocess.run("/usr/bin/ldd", [binary]).stdout
            #expect(!libraries.contains("libswift") && !libraries.contains("libFoundation") && !libraries.contains("libdispatch"), "\(libraries)")
            let version = try Subprocess.run(binary, ["--version"], environment: ["LD_LIBRARY_PATH": ""])
            #expect(version.status == 0 && !version.stdout.isEmpty, "the packaged binary runs: \(version.stderr)")
        }
    }

    /// apt installs it (the user `otpkit`, its folders, the unit enabled as Debian enables daemons), `remove` keeps
    /// the configuration (with the administrator's edit), the data and the user, `purge` deletes them all.
    @Test func aptInstallsRemovesAndPurgesItInADebianChroot() async throws {
        try await runBlocking {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-chroot-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: work) }
            let script = DebianPackageFiles.scripts.appendingPathComponent("install-remove-purge.sh").path
            let arguments = [try DebianPackageFiles.rootFileSystem().path, try DebianPackageFiles.package().path, work.path]
            let run = getuid() == 0 ? try Subprocess.run(script, arguments, timeout: 1200)
                : try Subprocess.run("/usr/bin/sudo", ["-n", script] + arguments, timeout: 1200)
            try #require(run.status == 0, "\(run.stderr.suffix(4000))")
            var state: [String: String] = [:]
            for line in run.stdout.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                state[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            #expect(state["installed.user"] == "otpkit:/var/lib/otpkit:/usr/sbin/nologin", "\(state)")
            #expect(state["installed.state"] == "otpkit 700" && state["installed.logs"] == "otpkit otpkit 700", "\(state)")
            #expect(state["installed.config"] == "present" && state["installed.enabled"] == "yes", "\(state)")
            #expect(state["installed.version"] == (try Subprocess.run("/usr/bin/dpkg-deb", ["--field", try DebianPackageFiles.package().path, "Version"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)), "\(state)")
            #expect(state["installed.config-check"] == "/etc/otpkit/verifier.yaml: ok", "\(state)")
            #expect(state["removed.user"]?.hasPrefix("otpkit:") == true && state["removed.data"] == "kept", "remove keeps the data and the user: \(state)")
            #expect(state["removed.config"] == "present" && state["removed.edit"] == "1", "\(state)")
            #expect(state["reinstalled.edit"] == "1" && state["reinstalled.data"] == "kept", "installing again keeps the edit and the data: \(state)")
            #expect(state["purged.enabled"] == "no", "purge drops the unit's enablement: \(state)")
            #expect(state["purged.user"] == "" && state["purged.group"] == "", "purge deletes the user: \(state)")
            #expect(state["purged.state"] == "missing" && state["purged.logs"] == "missing" && state["purged.config"] == "missing", "\(state)")
        }
    }
}
