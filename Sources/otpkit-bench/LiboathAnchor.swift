import Foundation
import TestSupport

/// liboath (Debian's liboath-dev, the library behind oathtool) through a small C program built here with gcc: HOTP
/// codes per second from `oath_hotp_generate`, and the time of one `oath_hotp_validate` searching a 1,000-code
/// window for its last code. The anchor otpkit's own HOTP figures are divided by, measured in the same run; both
/// sides count CPU time (this single-threaded program's, the measuring thread's), so that other work on a shared
/// machine does not skew the ratio.
enum LiboathAnchor {
    struct Figures {
        let codesPerSecond: Double
        let searchMicroseconds: Double
    }

    static let program = #"""
    #include <liboath/oath.h>
    #include <stdio.h>
    #include <time.h>

    static double now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }

    int main(void) {
        const char key[] = "12345678901234567890";
        char code[16];
        if (oath_init() != OATH_OK) return 1;
        unsigned long codes = 0, sink = 0;
        double start = now();
        while (now() - start < 2.0) {
            for (int i = 0; i < 10000; i++, codes++) {
                oath_hotp_generate(key, 20, codes, 6, 0, OATH_HOTP_DYNAMIC_TRUNCATION, code);
                sink += (unsigned char)code[5];
            }
        }
        double rate = codes / (now() - start);
        char last[16];
        oath_hotp_generate(key, 20, 999, 6, 0, OATH_HOTP_DYNAMIC_TRUNCATION, last);
        unsigned long searches = 0;
        start = now();
        while (now() - start < 2.0) {
            if (oath_hotp_validate(key, 20, 0, 1000, last) != 999) return 2;
            searches++;
        }
        double micros = (now() - start) / searches * 1e6;
        printf("LIBOATH %.0f %.2f %lu\n", rate, micros, sink % 2);
        return 0;
    }
    """#

    /// Builds and runs the program; nil (and the reason on stdout) when liboath-dev or gcc is missing.
    static func measure() -> Figures? {
        guard FileManager.default.fileExists(atPath: "/usr/include/liboath/oath.h"), let gcc = Subprocess.which("gcc") else {
            print("  liboath anchor: not measured (apt-get install liboath-dev gcc; `make bench` does it)")
            return nil
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-liboath-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let source = folder.appendingPathComponent("anchor.c").path, binary = folder.appendingPathComponent("anchor").path
            try program.write(toFile: source, atomically: true, encoding: .utf8)
            let built = try Subprocess.run(gcc, ["-O2", "-o", binary, source, "-loath"], timeout: 120)
            guard built.status == 0 else {
                print("  liboath anchor: the C program did not build: \(built.stderr)")
                return nil
            }
            let run = try Subprocess.run(binary, [], timeout: 60)
            let fields = run.stdout.split(separator: " ")
            guard fields.first == "LIBOATH", fields.count >= 3, let rate = Double(fields[1]), let micros = Double(fields[2]) else {
                print("  liboath anchor: unexpected output \(run.stdout)\(run.stderr)")
                return nil
            }
            return Figures(codesPerSecond: rate, searchMicroseconds: micros)
        } catch {
            print("  liboath anchor: \(error)")
            return nil
        }
    }
}
