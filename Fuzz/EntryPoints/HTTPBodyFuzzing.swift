import Foundation
import SeedFormats

/// The bodies of the verification server's routes. VerifierServer's body types are private to it, so these are
/// field-for-field equivalents decoded with the same JSONDecoder settings (the server's defaults); the import body
/// goes through SeedFile.read with the format detected, as `POST /v1/tokens` does.
enum HTTPBodyFuzzing {
    /// `POST /v1/verify`
    struct VerifyRequest: Decodable { let token: String; let code: String }
    /// `POST /v1/resync`
    struct ResyncRequest: Decodable { let token: String; let code1: String; let code2: String }
    /// `PUT /v1/tokens/ID/counter`
    struct CounterRequest: Decodable { let counter: UInt64; let force: Bool? }

    static func run(_ input: [UInt8]) {
        let data = Data(input)
        let decoder = JSONDecoder()
        _ = try? decoder.decode(VerifyRequest.self, from: data)
        _ = try? decoder.decode(ResyncRequest.self, from: data)
        _ = try? decoder.decode(CounterRequest.self, from: data)
        _ = try? SeedFile.read(input)
    }
}
