import Foundation
import TestSupport

/// Where the package tests find what `make test` made before them: the package (`make deb`), the debootstrapped
/// Debian 12 root (Tests/DebianPackage/build-rootfs.sh) and the scripts that use them.
enum DebianPackageFiles {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    static let scripts = ProjectPaths.root.appendingPathComponent("Tests/DebianPackage")

    /// The package `make deb` built for this version (packaging/debian/changelog).
    static func package() throws -> URL {
        let version = try Subprocess.run("/usr/bin/dpkg-parsechangelog",
                                         ["-l", ProjectPaths.root.appendingPathComponent("packaging/debian/changelog").path, "-S", "Version"])
        let deb = ProjectPaths.root.appendingPathComponent("otpkit_\(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines))_amd64.deb")
        guard FileManager.default.fileExists(atPath: deb.path) else {
            throw Missing(description: "\(deb.lastPathComponent) is missing: `make test` builds it (packaging/build-deb.sh)")
        }
        return deb
    }

    /// The debootstrapped root that Tests/DebianPackage/build-rootfs.sh cached (`make test` runs it).
    static func rootFileSystem() throws -> URL {
        let root = ProjectPaths.root.appendingPathComponent(".cache/debian-package/current").resolvingSymlinksInPath()
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent(".complete").path) else {
            throw Missing(description: "no Debian root in .cache/debian-package: `make test` builds it (Tests/DebianPackage/build-rootfs.sh)")
        }
        return root
    }
}
