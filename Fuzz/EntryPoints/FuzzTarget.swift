/// The parsers otpkit fuzzes, one entry point each. `otpkit-fuzz TARGET` runs libFuzzer over one (see `make fuzz`);
/// FuzzRegressionTests replays each target's corpus and committed crashes through the same entry points in the
/// ordinary build. An entry point returns normally for any input: a refusal is an answer, a trap is a finding.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// SeedFile.read as PSKC (RFC 6030), plain and encrypted under a fixed pre-shared key.
    case pskc
    /// SeedFile.read as Yubico's CSV.
    case yubicoCSV = "yubico-csv"
    /// SeedFile.read as otpkit's seed JSON.
    case seedJSON = "seed-json"
    /// The HTTP API's request bodies: verify, resync and counter JSON, and the import body (format detected).
    case httpBodies = "http-bodies"
    /// USB/IP framing: OP_REQ_* and CMD_SUBMIT/CMD_UNLINK as the server parses them, replies as the client does.
    case usbipFraming = "usbip-framing"
    /// A whole USB/IP server connection (import, then URBs) over NIO's EmbeddedChannel, with a real emulated token.
    case usbipConnection = "usbip-connection"
    /// The emulated OpenHOTP firmware fed arbitrary reports and control transfers.
    case firmwareOpenHOTP = "firmware-openhotp"
    /// The emulated YubiKey firmware fed arbitrary reports and control transfers.
    case firmwareYubiKey = "firmware-yubikey"
    /// The emulated Nitrokey firmware fed arbitrary reports and control transfers.
    case firmwareNitrokey = "firmware-nitrokey"
    /// The host drivers (OpenHOTP, YubiKey, Nitrokey) over a channel whose replies are the fuzz bytes.
    case driverReplies = "driver-replies"
    /// The provisioning journal's reader and the opening of its sealed seeds.
    case journal
    /// The RADIUS packet decoder, with what the server does next to a decoded packet (authenticators, credentials,
    /// reply encoding).
    case radiusPacket = "radius-packet"
    /// The emulator's control channel: line framing, the flat JSON parser, the commands and their replies.
    case controlLines = "control-lines"
    /// The verifier's YAML configuration file: its checks, and the settings layered from it.
    case verifierConfig = "verifier-config"
    /// A backup file's trailer (`otpkit verifier restore` reads it before anything else), and its rendering again.
    case backupTrailer = "backup-trailer"
    /// hidraw's ioctls under `otpkit emulate --`: request numbers, and report requests run on the emulated tokens.
    case hidrawRequests = "hidraw-requests"

    /// Runs the target over one input.
    public func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        let input = Array(bytes)
        switch self {
        case .pskc: SeedFileFuzzing.pskc(input)
        case .yubicoCSV: SeedFileFuzzing.yubicoCSV(input)
        case .seedJSON: SeedFileFuzzing.seedJSON(input)
        case .httpBodies: HTTPBodyFuzzing.run(input)
        case .usbipFraming: USBIPFuzzing.framing(input)
        case .usbipConnection: USBIPFuzzing.connection(input)
        case .firmwareOpenHOTP: FirmwareFuzzing.run(input, family: .openHOTP)
        case .firmwareYubiKey: FirmwareFuzzing.run(input, family: .yubiKey)
        case .firmwareNitrokey: FirmwareFuzzing.run(input, family: .nitrokey)
        case .driverReplies: DriverFuzzing.run(input)
        case .journal: JournalFuzzing.run(input)
        case .radiusPacket: RADIUSPacketFuzzing.run(input)
        case .controlLines: ControlLineFuzzing.run(input)
        case .verifierConfig: ConfigurationFuzzing.run(input)
        case .backupTrailer: BackupTrailerFuzzing.run(input)
        case .hidrawRequests: HidrawFuzzing.run(input)
        }
    }

    /// Runs the target over `input` (for tests and tools that hold the bytes already).
    public func run(_ input: [UInt8]) {
        input.withUnsafeBufferPointer { run($0) }
    }
}
