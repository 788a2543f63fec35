import Foundation
import TestSupport
import Testing

/// Debian's python3-pskc, an independent PSKC implementation, driven through /usr/bin/python3.
enum PythonPSKC {
    static func run(_ script: String, arguments: [String] = []) throws -> String {
        let result = try Subprocess.run("/usr/bin/python3", ["-c", script] + arguments)
        guard result.status == 0 else { throw Failure(message: result.stderr) }
        return result.stdout
    }

    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// The keys python-pskc reads from `path`, as JSON lines: serial, secret (hex), counter, digits, algorithm, period.
    static func readKeys(path: String, psk: String? = nil, password: String? = nil) throws -> [[String: String]] {
        let script = """
        import json, sys, pskc
        p = pskc.PSKC(sys.argv[1])
        if sys.argv[2]: p.encryption.key = bytes.fromhex(sys.argv[2])
        if sys.argv[3]: p.encryption.derive_key(sys.argv[3])
        for k in p.keys:
            print(json.dumps({"serial": str(k.serial), "secret": k.secret.hex(), "counter": str(k.counter),
                              "digits": str(k.response_length), "algorithm": str(k.algorithm), "suite": str(k.algorithm_suite),
                              "period": str(k.time_interval), "issuer": str(k.issuer)}))
        """
        return try run(script, arguments: [path, psk ?? "", password ?? ""]).split(separator: "\n").map {
            try JSONDecoder().decode([String: String].self, from: Data($0.utf8))
        }
    }
}
