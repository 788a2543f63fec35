import SeedFormats
import VerifierAPI

/// The bodies of the verification server's routes, read by the server's own decoding (VerifierAPI); the import body
/// goes through SeedFile.readContents with the format detected, as `POST /v1/tokens` does.
enum HTTPBodyFuzzing {
    static func run(_ input: [UInt8]) {
        _ = try? VerifyRequest.decode(input)
        _ = try? ResyncRequest.decode(input)
        _ = try? CounterRequest.decode(input)
        _ = try? AssignRequest.decode(input)
        _ = try? SeedFile.readContents(input)
    }
}
