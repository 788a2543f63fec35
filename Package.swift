// swift-tools-version: 6.2
import PackageDescription

// Warnings are errors in the project's own targets (not in its dependencies): applied to every target below.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "otpkit",
    // No `platforms`: otpkit builds on Linux only (Debian 12), which SwiftPM has no platform entry for. Its sources import
    // Glibc, and its system library targets need libusb and libudev (the USB transport) and libumockdev (emulated tokens
    // as USB devices); so it claims no macOS or iOS version, which it cannot build for.
    products: [
        .executable(name: "otpkit", targets: ["otpkit"]),
        .executable(name: "otpkit-bench", targets: ["otpkit-bench"]),
        .library(name: "OTPCore", targets: ["OTPCore"]),
        .library(name: "TokenDrivers", targets: ["TokenDrivers"]),
        .library(name: "TokenEmulator", targets: ["TokenEmulator"]),
        .library(name: "EmulatedTokens", targets: ["EmulatedTokens"]),
        // Its control protocol's types (`ControlAddress`, `TokenStateReport`) appear in EmulatedTokens' API.
        .library(name: "EmulatorControl", targets: ["EmulatorControl"]),
        .library(name: "USBTransport", targets: ["USBTransport"]),
        .library(name: "SeedFormats", targets: ["SeedFormats"]),
        .library(name: "Provisioning", targets: ["Provisioning"]),
        .library(name: "Verification", targets: ["Verification"]),
        // Its keyring and sealed secrets appear in Verification's and Provisioning's API.
        .library(name: "MasterKeys", targets: ["MasterKeys"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Bounded to the minor version built here: FastHMAC reaches into its BoringSSL module, which has no API promise.
        .package(url: "https://github.com/apple/swift-crypto", .upToNextMinor(from: "3.12.3")),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Named for VerifierServer's TLS certificate reload (a per-handshake override); Hummingbird's TLS brings it already.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The verifier's configuration file: layered providers (file, environment, command line) and YAML through Yams,
        // whose nodes also give the line of a key the file gets wrong.
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // `make docs`: DocC for the library products (a command plugin; nothing of it is linked).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // HMAC for HOTP on two engines: swift-crypto's BoringSSL hash contexts as plain values (its CCryptoBoringSSL
        // module, which _CryptoExtras brings and which is no product with an API promise: compiled only where it can be
        // imported) and swift-crypto's public HMAC (always compiled; the reference the tests compare with).
        .target(name: "FastHMAC", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        // HOTP/TOTP, Base32, otpauth URIs, secrets. No I/O, nothing of USB.
        .target(name: "OTPCore", dependencies: ["FastHMAC"]),
        // Frame checksums (CRC-32/ISO-HDLC and friends), shared by drivers and firmware models.
        .target(name: "Checksums"),
        // Atomic, private, durable writes of files that hold secrets.
        .target(name: "PrivateFiles"),
        // USB setup packets, request and descriptor codes: the vocabulary of device and host sides.
        .target(name: "USBProtocol"),
        // Protocol drivers (pure frame codecs over an abstract feature-report channel) and each family's programming rules.
        .target(name: "TokenDrivers", dependencies: ["OTPCore", "Checksums"]),
        // The USB/IP wire format, shared by the emulator's server and the host's client.
        .target(name: "USBIP"),
        // Firmware models and the USB device layer around them; knows nothing of USB/IP.
        .target(name: "TokenEmulator", dependencies: [
            "OTPCore", "Checksums", "USBProtocol", "PrivateFiles", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The USB/IP server front end of the emulator (SwiftNIO).
        .target(name: "EmulatorServer", dependencies: [
            "TokenEmulator", "USBIP", "USBProtocol", "EmulatorControl",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        // The C libraries of the local USB path, through pkg-config.
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(name: "CLibUDev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        // libumockdev: fake sysfs, usbdevfs nodes and udev events for a child run with its LD_PRELOAD.
        .systemLibrary(name: "CUMockdev", pkgConfig: "umockdev-1.0", providers: [.apt(["libumockdev-dev"])]),
        // Emulated tokens as USB devices of a umockdev testbed: libusb programs reach them with no kernel USB support.
        .target(name: "UMockdevBridge", dependencies: ["CUMockdev", "TokenEmulator", "USBProtocol"]),
        // The emulator's control protocol (one JSON object a line), pure Swift over an abstract set of tokens.
        .target(name: "EmulatorControl"),
        // Emulated tokens inside a test process in one call: USB/IP server, umockdev testbed, control channel, faults.
        .target(name: "EmulatedTokens", dependencies: ["TokenEmulator", "EmulatorServer", "EmulatorControl", "UMockdevBridge", "USBProtocol"]),
        // Host transports that give a FeatureReportChannel (libusb with libudev discovery, the USB/IP client); connected tokens.
        .target(name: "USBTransport", dependencies: ["TokenDrivers", "USBIP", "USBProtocol", "CLibUSB", "CLibUDev", "DispatchExecutors"]),
        // Seed files: PSKC (RFC 6030, plain and encrypted), Yubico CSV, otpkit seed JSON; seed export.
        .target(name: "SeedFormats", dependencies: [
            "OTPCore", "PrivateFiles", .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        // Master keys, the keyring that seals and opens secrets with them (AES-GCM), sealed secrets and the key file:
        // shared by the verifier and the provisioning journal, which needs nothing else of the verifier.
        .target(name: "MasterKeys", dependencies: ["OTPCore", "PrivateFiles", .product(name: "Crypto", package: "swift-crypto")]),
        // The `Verifier` (HOTP/TOTP checks with windows, resync, lockout, replay refusal) over a TokenStore protocol.
        .target(name: "Verification", dependencies: [
            "OTPCore", "MasterKeys", .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The verifier's durable parts: the SQLite token and API key stores, their backups and restores.
        .target(name: "VerifierStorage", dependencies: [
            "Verification", "MasterKeys", "OTPCore", "CSQLite", "PrivateFiles", "DispatchExecutors",
            .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The verifier's shared store for several nodes: PostgreSQL through postgres-nio's PostgresClient and its pool.
        .target(name: "VerifierPostgres", dependencies: [
            "Verification", "MasterKeys", "OTPCore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The verifier's configuration: the settings (keys, flags, environment names), the YAML file's checks with
        // their lines, and the layering file < OTPKIT_* environment < command line (swift-configuration).
        .target(name: "VerifierConfiguration", dependencies: [
            .product(name: "Configuration", package: "swift-configuration"), .product(name: "Yams", package: "Yams"),
        ]),
        // systemd's side of a service in pure Swift (no libsystemd): sd_notify over a Unix datagram socket (readiness,
        // reload, stop, watchdog) and the journal's `<N>` priority prefix on standard streams.
        .target(name: "ServiceManager"),
        // The HTTP API's request bodies and how they are read: pure, shared by the server and the fuzzer.
        .target(name: "VerifierAPI"),
        // The verification server's HTTP API (Hummingbird 2): verify, resync, administration, health, metrics.
        .target(name: "VerifierServer", dependencies: [
            "Verification", "VerifierAPI", "SeedFormats", "OTPCore", "RADIUS", "RADIUSServer", "ServiceManager",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // RADIUS (RFC 2865, 3579, 5997): the packet codec, authenticators and User-Password hiding. Pure Swift.
        .target(name: "RADIUS", dependencies: ["OTPCore", .product(name: "Crypto", package: "swift-crypto")]),
        // Executors on dispatch queues: a serial one per home of blocking calls (a token's session, a batch's journal),
        // and the task executor of the RADIUS server's CPU-bound decisions, which must not wait for the cooperative pool.
        .target(name: "DispatchExecutors"),
        // The RADIUS UDP server (SwiftNIO), deciding through a delegate protocol (it knows nothing of the verifier).
        .target(name: "RADIUSServer", dependencies: [
            "RADIUS", "DispatchExecutors", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        // Provisioning at scale: the crash-safe seed journal, the batch loop (ProvisioningBatch) over token arrivals, and
        // the hand-off of seeds to a running verifier (VerifierImportClient, on AsyncHTTPClient).
        .target(name: "Provisioning", dependencies: [
            "OTPCore", "MasterKeys", "TokenDrivers", "USBTransport", "DispatchExecutors",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .executableTarget(name: "otpkit", dependencies: [
            "OTPCore", "TokenDrivers", "USBTransport", "EmulatorServer", "Verification", "MasterKeys", "VerifierStorage", "SeedFormats",
            "VerifierServer", "PrivateFiles", "Provisioning", "VerifierPostgres", "RADIUSServer", "EmulatorControl",
            "EmulatedTokens", "DispatchExecutors", "VerifierConfiguration", "ServiceManager",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .executableTarget(name: "otpkit-bench", dependencies: [
            "OTPCore", "TokenDrivers", "USBTransport", "TokenEmulator", "EmulatorServer", "Verification", "MasterKeys", "VerifierStorage",
            "VerifierServer", "VerifierPostgres", "RADIUS", "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Loads Firmware-spec vectors, finds the built binaries, runs processes, speaks HTTP: for tests and benchmarks.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),
        .testTarget(name: "OTPCoreTests", dependencies: ["OTPCore", "FastHMAC", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "ChecksumsTests", dependencies: ["Checksums"]),
        .testTarget(name: "ServiceManagerTests", dependencies: ["ServiceManager", "TestSupport"]),
        .testTarget(name: "EmulatedTokensTests", dependencies: ["EmulatedTokens", "EmulatorControl", "USBTransport", "TokenDrivers", "OTPCore", "TestSupport"]),
        .testTarget(name: "EmulatorControlTests", dependencies: ["EmulatorControl", "EmulatorServer", "TestSupport", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "TokenDriversTests", dependencies: ["TokenDrivers", "Checksums", "TestSupport", "TokenEmulator", "USBProtocol", "OTPCore"]),
        .testTarget(name: "UMockdevBridgeTests", dependencies: ["UMockdevBridge", "TokenEmulator", "USBProtocol"]),
        .testTarget(name: "TokenEmulatorTests", dependencies: ["TokenEmulator", "Checksums", "OTPCore", "USBProtocol", "TestSupport"]),
        .testTarget(name: "USBIPTests", dependencies: [
            "USBIP", "USBProtocol", "EmulatorServer", "USBTransport", "TokenDrivers", "TokenEmulator", "OTPCore", "TestSupport",
        ]),
        .testTarget(name: "USBTransportTests", dependencies: ["USBTransport", "TokenDrivers", "CLibUSB", "TestSupport"]),
        .testTarget(name: "SeedFormatsTests", dependencies: ["SeedFormats", "OTPCore", "TestSupport"]),
        .testTarget(name: "ProvisioningTests", dependencies: [
            "Provisioning", "Verification", "MasterKeys", "OTPCore", "TokenDrivers", "USBTransport", "EmulatorServer", "TokenEmulator",
        ]),
        .testTarget(name: "VerifierTests", dependencies: [
            "Verification", "MasterKeys", "DispatchExecutors", "VerifierStorage", "VerifierPostgres", "OTPCore", "TestSupport",
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        .testTarget(name: "RADIUSTests", dependencies: [
            "RADIUS", "RADIUSServer", "DispatchExecutors", "TestSupport", "Verification", "MasterKeys", "VerifierStorage", "VerifierServer", "OTPCore",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "IntegrationTests", dependencies: ["OTPCore", "TestSupport"]),
        // The configuration file's checks and layering in process, and packaging/verifier.yaml against `serve --help`.
        .testTarget(name: "VerifierConfigurationTests", dependencies: ["VerifierConfiguration", "TestSupport"]),
        // The HTTP API in process (HummingbirdTesting's router client) over a real SQLite store in a temporary folder.
        .testTarget(name: "VerifierServerTests", dependencies: [
            "VerifierServer", "Verification", "MasterKeys", "VerifierStorage", "OTPCore", "SeedFormats", "TestSupport", "Provisioning", "DispatchExecutors",
            "ServiceManager",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // The README's Swift examples, built and run: only the library products' public API (no @testable import).
        .testTarget(name: "ExamplesTests", dependencies: [
            "OTPCore", "TokenDrivers", "USBTransport", "Provisioning", "SeedFormats", "Verification", "MasterKeys", "EmulatedTokens",
        ], path: "Examples"),
        // Fuzz entry points: one function per parser, shared by the libFuzzer driver and the regression replay.
        .target(name: "FuzzEntryPoints", dependencies: [
            "OTPCore", "Checksums", "SeedFormats", "Provisioning", "USBIP", "USBProtocol", "EmulatorServer", "TokenEmulator",
            "TokenDrivers", "Verification", "MasterKeys", "VerifierAPI", "RADIUS", "EmulatorControl", "VerifierConfiguration",
            "VerifierStorage", "UMockdevBridge",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ], path: "Fuzz/EntryPoints"),
        // Replays the fuzz corpus and every committed crash through the entry points, without sanitizers.
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzEntryPoints", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer driver exists only in the fuzz build (`make fuzz`: OTPKIT_FUZZ=1, its own scratch path, sanitizers),
// so that `swift build` and `make test` never compile it.
if Context.environment["OTPKIT_FUZZ"] != nil {
    package.targets += [
        .target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .executableTarget(name: "otpkit-fuzz", dependencies: ["FuzzEntryPoints", "CLibFuzzer"], path: "Fuzz/Driver"),
    ]
}

// Every Swift target of the project, the fuzz build's included, builds with `strict`.
for target in package.targets where target.type != .system && target.type != .binary && target.type != .plugin {
    target.swiftSettings = (target.swiftSettings ?? []) + strict
}
