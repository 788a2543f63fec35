import Foundation

/// Says on stderr when a file holding a secret (a RADIUS shared secret, a PIN) can be read by other users of the
/// machine: the secret is stored safely only if the file it came from is not left lying open.
func warnIfReadableByOthers(_ path: String, holding what: String) {
    guard path != "-", let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int,
          mode & 0o077 != 0 else { return }
    writeError("otpkit: warning: \(path), which holds \(what), can be read by other users (mode \(String(mode, radix: 8))); `chmod 600 \(path)` or delete it\n")
}
