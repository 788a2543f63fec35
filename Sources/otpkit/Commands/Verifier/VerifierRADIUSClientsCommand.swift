import ArgumentParser
import RADIUSServer
import Foundation
import OTPCore
import Verification

struct VerifierRADIUSClientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radius-clients",
        abstract: "Manage the RADIUS clients (VPN concentrators, Wi-Fi controllers, pam_radius hosts, FreeRADIUS proxies) allowed to ask for logins.",
        discussion: """
        Clients and their shared secrets live in the database (the secrets sealed under the master key, like the \
        seeds), so every verifier node serving RADIUS on it knows them. A request from an address no client covers \
        is dropped without an answer.
        """,
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Allow a RADIUS client, with its shared secret.",
            discussion: """
            The shared secret is read from the first line of --secret-file (- for standard input), never from the \
            command line. RFC 2865 asks for 16 bytes or more, unguessable; 8 to 128 bytes are accepted.

            Every Access-Request must carry a Message-Authenticator (RFC 3579) unless the client is marked \
            --no-message-authenticator: without it, an attacker on the path can forge an Access-Accept (BlastRADIUS, \
            CVE-2024-3596). Mark only clients that cannot send one, such as Debian 12's pam_radius_auth 2.0.

            Examples:
              otpkit verifier radius-clients add --name vpn --address 192.0.2.10 \\
                  --secret-file vpn.secret
              otpkit verifier radius-clients add --name office --address 10.1.0.0/16 \\
                  --secret-file office.secret
            """)

        @OptionGroup var verifier: VerifierOptions
        @Option(name: .long, help: "A name for the client (1 to 64 letters, digits and - _ . : @); the audit log names it.") var name: String
        @Option(name: .long, help: ArgumentHelp("The client's IPv4 or IPv6 address, or a CIDR network (10.1.0.0/16).", valueName: "ip|cidr"))
        var address: String
        @Option(name: .long, help: ArgumentHelp("A file whose first line is the shared secret (- for standard input).", valueName: "path"))
        var secretFile: String
        @Flag(name: .long, help: "The client sends no Message-Authenticator (exposed to BlastRADIUS, CVE-2024-3596; only for clients that cannot).")
        var noMessageAuthenticator = false

        func run() async throws {
            try await reportingFailures {
                // The front end's own parser: what is stored here is what it will match.
                do throws(IPNetwork.ParseError) { _ = try IPNetwork(address) } catch {
                    throw CLIFailure("\(error); give an IPv4 or IPv6 address, or a CIDR network such as 192.0.2.0/24", code: .usage)
                }
                let secret = try readSecret()
                warnIfReadableByOthers(secretFile, holding: "a RADIUS shared secret")
                if secret.bytes.count < 16 {
                    writeError("otpkit: warning: the shared secret is \(secret.bytes.count) bytes; RFC 2865 asks for at least 16, random (a short one can be guessed offline from one captured request)\n")
                }
                if address.hasSuffix("/0") {
                    writeError("otpkit: warning: \(address) lets every address reach the RADIUS port as client \(name); only the shared secret stands in the way\n")
                }
                if noMessageAuthenticator {
                    writeError("otpkit: warning: client \(name) is marked as sending no Message-Authenticator: an attacker on its network path can forge an Access-Accept for its requests (BlastRADIUS, CVE-2024-3596). Mark only clients that cannot send one (Debian 12's pam_radius_auth 2.0); upgrade them when you can.\n")
                }
                try await verifier.open().administration.addRADIUSClient(name: name, address: address, secret: secret,
                                                    messageAuthenticator: noMessageAuthenticator ? .notSent : .required)
                print("RADIUS client \(name) added (\(address), Message-Authenticator \(noMessageAuthenticator ? "not sent" : "required")).")
            }
        }

        private func readSecret() throws -> Secret {
            let line: String?
            if secretFile == "-" {
                line = readLine(strippingNewline: true)
            } else {
                guard let data = FileManager.default.contents(atPath: secretFile) else {
                    throw CLIFailure("cannot read the secret file \(secretFile)", code: .usage)
                }
                line = String(decoding: data.prefix(4096), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
            }
            let text = line.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 } ?? ""
            let range = Verifier.radiusSecretBytes
            guard range.contains(text.utf8.count), let secret = try? Secret(bytes: Array(text.utf8)) else {
                throw CLIFailure("the shared secret (the first line of \(secretFile == "-" ? "standard input" : secretFile)) must be \(range.lowerBound) to \(range.upperBound) bytes", code: .usage)
            }
            return secret
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the RADIUS clients: name, address, whether a Message-Authenticator is required, when added (never the secret).")

        @OptionGroup var verifier: VerifierOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        /// A client as administrators see it: no secret, sealed or not.
        struct Summary: Encodable {
            let name: String
            let address: String
            let messageAuthenticator: String
            let created: String
        }

        func run() async throws {
            try await reportingFailures {
                let formatter = ISO8601DateFormatter()
                let clients = try await verifier.openDatabase().tokens.radiusClients().map {
                    Summary(name: $0.name, address: $0.address, messageAuthenticator: $0.messageAuthenticator.rawValue,
                            created: formatter.string(from: $0.created))
                }
                if json { return try printJSON(clients) }
                if clients.isEmpty { print("No RADIUS clients. Add one with `otpkit verifier radius-clients add --name NAME --address IP --secret-file FILE`.") }
                for client in clients {
                    let authenticator = client.messageAuthenticator == RADIUSClientRecord.MessageAuthenticator.required.rawValue
                        ? "Message-Authenticator required" : "Message-Authenticator NOT SENT (BlastRADIUS exposure)"
                    print("\(client.name)  \(client.address)  \(authenticator)  created \(client.created)")
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a RADIUS client: its requests are dropped from now on.")

        @OptionGroup var verifier: VerifierOptions
        @Option(name: .long, help: "The client's name.") var name: String

        func run() async throws {
            try await reportingFailures {
                guard try await verifier.openDatabase().tokens.removeRADIUSClient(name: name) else {
                    throw CLIFailure("no RADIUS client \(name) (see `otpkit verifier radius-clients list`)", code: .refused)
                }
                print("RADIUS client \(name) removed.")
            }
        }
    }
}
