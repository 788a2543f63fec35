/// What a store keeps of users: which tokens each owns (a token's `user`, changed by `update` like any other field)
/// and the PINs of those who have one.
public protocol UserStore: Sendable {
    /// What a login by user name reads: the user's tokens, PIN and whether any user has a PIN.
    func login(user: UserName) async throws(VerifierError) -> UserLogin
    /// Sets (nil: removes) `user`'s PIN, durably; returns whether a PIN was there before.
    @discardableResult
    func setPIN(_ pin: PINHash?, user: UserName) async throws(VerifierError) -> Bool
}

extension UserStore {
    /// `user`'s PIN, if they have one (what verifying one of their tokens by id needs).
    public func pin(user: UserName) async throws(VerifierError) -> PINHash? {
        try await login(user: user).pin
    }
}

/// A user as a login finds them.
public struct UserLogin: Sendable {
    /// The tokens the user owns, by id; empty for an unknown user.
    public var tokens: [VerifierToken]
    public var pin: PINHash?
    /// Whether any user of the store has a PIN: then every login derives a PIN hash once (see `PINHash.decoy`).
    public var pinsInUse: Bool
    /// Answered from what a store keeps (`TokenStore.keptLogin`) rather than read: the login's writes then check that
    /// the user is still so (`TokenStore.writeLogin`).
    public var isKept: Bool

    public init(tokens: [VerifierToken], pin: PINHash?, pinsInUse: Bool, isKept: Bool = false) {
        self.tokens = tokens
        self.pin = pin
        self.pinsInUse = pinsInUse
        self.isKept = isKept
    }
}
