import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// The HTTPS listener's certificate chain and private key, read from their PEM files at start and again on reload.
///
/// NIOSSL's context is built once, at start; its per-handshake callback (`sslContextCallback`) hands every new
/// connection the pair read last, so a reload reaches new connections at once while connections already open keep
/// the pair they shook hands with. A reload that cannot read the files, or finds a key that does not match the
/// certificate, changes nothing.
final class ReloadableTLSIdentity: Sendable {
    let certificatePath: String
    let keyPath: String
    private let current = Mutex<NIOSSLContextConfigurationOverride?>(nil)

    init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    /// Why a pair was not loaded, in words for the operator (never the key's contents).
    struct Unusable: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads both files (blocking file reads: call it off the event loops and the task pool, or at start) and uses
    /// the pair from the next handshake on; throws `Unusable`, keeping the pair in use, when they cannot be read or
    /// do not match.
    func load() throws(Unusable) {
        let chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKeySource
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(try Self.contents(of: certificatePath)).map { .certificate($0) }
        } catch let error as Unusable { throw error } catch { throw Unusable(description: "\(certificatePath) holds no PEM certificate") }
        guard !chain.isEmpty else { throw Unusable(description: "\(certificatePath) holds no PEM certificate") }
        do {
            key = .privateKey(try NIOSSLPrivateKey(bytes: try Self.contents(of: keyPath), format: .pem))
        } catch let error as Unusable { throw error } catch { throw Unusable(description: "\(keyPath) holds no PEM private key") }
        // A context over the pair proves the key belongs to the certificate before any client meets them.
        do {
            _ = try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain, privateKey: key))
        } catch {
            throw Unusable(description: "the key in \(keyPath) does not belong to the certificate in \(certificatePath)")
        }
        var identity = NIOSSLContextConfigurationOverride()
        identity.certificateChain = chain
        identity.privateKey = key
        current.withLock { $0 = identity }
    }

    private static func contents(of path: String) throws(Unusable) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Unusable(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw Unusable(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
            guard count > 0, bytes.count <= 1 << 20 else { return bytes }
            bytes += chunk.prefix(count)
        }
    }

    /// The listener's TLS configuration: the pair loaded now, and every handshake asking for the newest one.
    /// Throws unless `load()` succeeded once.
    func serverConfiguration() throws -> TLSConfiguration {
        guard let identity = current.withLock({ $0 }), let chain = identity.certificateChain, let key = identity.privateKey else {
            throw Unusable(description: "no TLS certificate loaded")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        configuration.sslContextCallback = { [self] _, promise in
            promise.succeed(current.withLock { $0 } ?? .noChanges)
        }
        return configuration
    }
}
