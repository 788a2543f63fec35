import Foundation
import NIOCore
import RADIUS
import RADIUSServer
import Synchronization
import Verification

/// The RADIUS clients of the verifier's store, so that every node on a shared database knows the same clients.
///
/// The list is read again when it is older than `refresh` (a client added or removed on any node counts within that
/// time); a store that cannot be read drops the requests (the NAS retries or fails over) rather
/// than answering from a list of unknown age. A client whose address or secret cannot be used is left out and said once.
final class StoreRADIUSClients: RADIUSClientDirectory {
    static let defaultRefresh: Duration = .seconds(5)

    private let verifier: Verifier
    private let refresh: Duration
    private let cache = Mutex<(list: RADIUSClientList, loaded: ContinuousClock.Instant)?>(nil)
    private let noted = Mutex<Set<String>>([])

    init(verifier: Verifier, refresh: Duration = defaultRefresh) {
        self.verifier = verifier
        self.refresh = refresh
    }

    func client(for address: SocketAddress) async throws -> RADIUSClient? {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0 }), now - cached.loaded < refresh {
            return cached.list.clientMatching(address)
        }
        let list = try await verifier.administration.radiusClients()
        var clients: [RADIUSClient] = []
        for record in list {
            do {
                let secret = try verifier.administration.sharedSecret(of: record)
                clients.append(RADIUSClient(name: record.name, network: try IPNetwork(record.address),
                                            sharedSecret: try RADIUSSharedSecret(bytes: secret.bytes),
                                            messageAuthenticator: record.messageAuthenticator == .required ? .required : .notRequired))
            } catch {
                if noted.withLock({ $0.insert(record.name).inserted }) {
                    OperatorNotes.write("RADIUS client \(record.name) is left out: \(error)")
                }
            }
        }
        let fresh = RADIUSClientList(clients)
        cache.withLock { $0 = (fresh, now) }
        return fresh.clientMatching(address)
    }
}
