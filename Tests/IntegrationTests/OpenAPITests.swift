import Foundation
import TestSupport
import Testing

/// The HTTP API's OpenAPI description (`openapi.yaml`) is what the server serves at /openapi.yaml, and the server
/// keeps to it: schemathesis (from the virtual environment `make test` creates) generates requests for every route
/// from the description and checks every answer against it, with an admin key, against a real server.
@Suite struct OpenAPITests {
    static let schemathesis = ProjectPaths.root.appendingPathComponent(".cache/venv/bin/schemathesis").path

    @Test func theServerServesTheRepositorysDescription() throws {
        let server = try VerifierServerFixture(tokens: 1)
        let served = try HTTPTestClient(port: server.port).send("GET", "/openapi.yaml")
        #expect(served.status == 200)
        let file = try String(contentsOf: ProjectPaths.root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        #expect(served.body == file, "openapi.yaml and Sources/VerifierServer/OpenAPIDocument.swift differ: copy the file into the Swift string")
    }

    /// No 5xx from any generated request, every status code and body as documented, authentication never ignored,
    /// and 405 with `Allow` for a method a path does not take. (Not checked: that every request the schema allows is
    /// accepted, since names are limited in bytes and codes by the token, which a schema cannot say.)
    @Test func schemathesisFindsNothing() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.schemathesis),
                "schemathesis is missing: `make test` installs it into .cache/venv (from PyPI)")
        let server = try VerifierServerFixture(tokens: 1)
        let assigned = try server.client().send("PUT", "/v1/tokens/t0/user", body: #"{"user":"alice"}"#,
                                                headers: ["Authorization": "Bearer \(server.adminKey)"])
        #expect(assigned.status == 200, "\(assigned.body)")
        let run = try Subprocess.run(Self.schemathesis, [
            "run", ProjectPaths.root.appendingPathComponent("openapi.yaml").path,
            "--url", "http://127.0.0.1:\(server.port)", "--header", "Authorization: Bearer \(server.adminKey)",
            "--checks", "all", "--exclude-checks", "positive_data_acceptance",
            // One worker: hypothesis parses lambda sources with `ast.parse`, which CPython 3.11 (Debian 12's) can
            // break on when two threads do it at once ("AST constructor recursion depth mismatch", seen here).
            "--max-time", "40", "--workers", "1", "--seed", "20261129",
        ], environment: ["NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"], timeout: 300)
        #expect(run.status == 0, "\(run.stdout.suffix(6000))\(run.stderr.suffix(2000))")
        #expect(run.stdout.contains("14/14"), "every operation was selected: \(run.stdout.suffix(1500))")
    }
}
