import Foundation

/// A minimal FreeRADIUS 3.2 configuration of a test's own (Debian's `freeradius` package provides the binary, the
/// modules and the dictionaries; nothing is read from /etc/freeradius): one virtual server listening on one loopback
/// port, one client (127.0.0.1), and only the modules its role needs.
public struct FreeRADIUSConfiguration: Sendable {
    /// A user of a home server that first gets an Access-Challenge (State, Reply-Message), and is accepted when
    /// the next request echoes that State with the second password: the shape of otpkit's auto-resync.
    public struct ChallengeLogin: Sendable {
        public var user: String
        public var firstPassword: String
        public var secondPassword: String
        public var state: [UInt8]
        public var replyMessage: String

        public init(user: String, firstPassword: String, secondPassword: String,
                    state: [UInt8] = Array("otpkit-state".utf8), replyMessage: String = "Enter the next code") {
            self.user = user
            self.firstPassword = firstPassword
            self.secondPassword = secondPassword
            self.state = state
            self.replyMessage = replyMessage
        }
    }

    /// Where a proxy sends a realm's requests.
    public struct HomeServer: Sendable {
        public var host: String
        public var port: Int
        public var secret: String
        /// How long the proxy waits for the home server's answer before it rejects the request itself.
        public var responseWindowSeconds: Int

        public init(host: String = "127.0.0.1", port: Int, secret: String, responseWindowSeconds: Int = 5) {
            self.host = host
            self.port = port
            self.secret = secret
            self.responseWindowSeconds = responseWindowSeconds
        }
    }

    /// Whether the proxy sends `alice@realm` to the home server as `alice` (FreeRADIUS's default: the realm module
    /// puts the name before the `@` into Stripped-User-Name, and the proxied User-Name is that) or unchanged
    /// (`nostrip` on the realm).
    public enum RealmName: Sendable {
        case strip, keep
    }

    public enum Role: Sendable {
        /// Decides by itself: each user of `users` is accepted with their password (the `files` module with a
        /// users file), `challenge` adds a user who is challenged first, everyone else is rejected.
        case home(users: [String: String], challenge: ChallengeLogin?)
        /// Proxies every `NAME@realm` to `homeServer` (the `suffix` realm module, a home_server, its pool and the
        /// realm in proxy.conf); a name without that realm is rejected.
        case proxy(realm: String, homeServer: HomeServer, realmName: RealmName)
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public var role: Role
    /// The secret shared with the clients that talk to this server (radtest, pam_radius, another proxy), all
    /// from 127.0.0.1.
    public var clientSecret: String

    public init(role: Role, clientSecret: String) {
        self.role = role
        self.clientSecret = clientSecret
    }

    /// The files to write into `folder`, by name: radiusd.conf, and users (home) or proxy.conf (proxy).
    func files(folder: String, port: Int) throws -> [String: String] {
        var modules = ["\tpap {\n\t}"]
        var authorize: [String] = []
        var files: [String: String] = [:]
        var topLevel = ""
        switch role {
        case let .home(users, challenge):
            if let challenge {
                modules += ["\talways handled {\n\t\trcode = handled\n\t}", "\talways reject {\n\t\trcode = reject\n\t}"]
                authorize.append(try Self.challengePolicy(challenge))
            }
            modules.append("\tfiles {\n\t\tfilename = \(folder)/users\n\t}")
            authorize += ["\t\tfiles", "\t\tpap"]
            files["users"] = try users.sorted { $0.key < $1.key }.map { user, password in
                "\(try Self.quoted(user))\tCleartext-Password := \(try Self.quoted(password))\n"
            }.joined()
        case let .proxy(realm, home, realmName):
            modules.append("\trealm suffix {\n\t\tformat = suffix\n\t\tdelimiter = \"@\"\n\t}")
            authorize.append("\t\tsuffix")
            topLevel = """
                proxy_requests = yes
                $INCLUDE proxy.conf
                # The proxy's own socket to its home servers: on loopback too, not on every address.
                listen {
                \ttype = proxy
                \tipaddr = 127.0.0.1
                \tport = 0
                }

                """
            files["proxy.conf"] = """
                proxy server {
                \tdefault_fallback = no
                }
                home_server otpkit_home {
                \ttype = auth
                \tipaddr = \(try Self.address(home.host))
                \tport = \(home.port)
                \tsecret = \(try Self.quoted(home.secret))
                \tresponse_window = \(home.responseWindowSeconds)
                \tstatus_check = none
                }
                home_server_pool otpkit_pool {
                \ttype = fail-over
                \thome_server = otpkit_home
                }
                realm \(try Self.word(realm)) {
                \tauth_pool = otpkit_pool\(realmName == .keep ? "\n\tnostrip" : "")
                }

                """
        }
        files["radiusd.conf"] = """
            # Written by otpkit's tests for one run of `freeradius -X -d \(folder)`.
            prefix = /usr
            exec_prefix = /usr
            sysconfdir = /etc
            localstatedir = \(folder)
            raddbdir = \(folder)
            confdir = \(folder)
            logdir = \(folder)
            run_dir = \(folder)
            libdir = /usr/lib/freeradius
            dictdir = /usr/share/freeradius
            pidfile = \(folder)/radiusd.pid
            name = radiusd
            max_request_time = 10
            cleanup_delay = 1
            max_requests = 4096
            hostname_lookups = no
            log {
            \tdestination = stdout
            \tauth = yes
            }
            security {
            \tallow_core_dumps = no
            \tmax_attributes = 200
            \treject_delay = 0
            \tstatus_server = yes
            }
            thread pool {
            \tstart_servers = 1
            \tmax_servers = 4
            \tmin_spare_servers = 1
            \tmax_spare_servers = 4
            \tmax_requests_per_server = 0
            }
            # radtest and radclient send Message-Authenticator, pam_radius_auth 2.0 does not: not required here.
            client localhost {
            \tipaddr = 127.0.0.1
            \tsecret = \(try Self.quoted(clientSecret))
            \trequire_message_authenticator = no
            }
            \(topLevel)modules {
            \(modules.joined(separator: "\n"))
            }
            server default {
            \tlisten {
            \t\ttype = auth
            \t\tipaddr = 127.0.0.1
            \t\tport = \(port)
            \t}
            \tauthorize {
            \(authorize.joined(separator: "\n"))
            \t}
            \tauthenticate {
            \t\tAuth-Type PAP {
            \t\t\tpap
            \t\t}
            \t}
            }

            """
        return files
    }

    /// unlang for a `ChallengeLogin`, before `files` in authorize.
    private static func challengePolicy(_ login: ChallengeLogin) throws -> String {
        let state = "0x" + login.state.map { String(format: "%02x", $0) }.joined()
        return """
            \t\tif (&User-Name == \(try quoted(login.user))) {
            \t\t\tif (!&State) {
            \t\t\t\tif (&User-Password == \(try quoted(login.firstPassword))) {
            \t\t\t\t\tupdate reply {
            \t\t\t\t\t\tReply-Message := \(try quoted(login.replyMessage))
            \t\t\t\t\t\tState := \(state)
            \t\t\t\t\t}
            \t\t\t\t\tupdate control {
            \t\t\t\t\t\tResponse-Packet-Type := Access-Challenge
            \t\t\t\t\t}
            \t\t\t\t\thandled
            \t\t\t\t}
            \t\t\t\treject
            \t\t\t}
            \t\t\telsif (&State == \(state) && &User-Password == \(try quoted(login.secondPassword))) {
            \t\t\t\tupdate control {
            \t\t\t\t\tAuth-Type := Accept
            \t\t\t\t}
            \t\t\t\treturn
            \t\t\t}
            \t\t\telse {
            \t\t\t\treject
            \t\t\t}
            \t\t}
            """
    }

    /// A double-quoted configuration string. Test values only: anything FreeRADIUS would expand or unquote
    /// (quotes, backslashes, `%`, `$`, control characters) is refused rather than escaped.
    static func quoted(_ value: String) throws -> String {
        guard !value.isEmpty, value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f && !"\"\\%$`'".unicodeScalars.contains($0) }) else {
            throw Invalid(description: "a value FreeRADIUS's configuration would not take literally")
        }
        return "\"\(value)\""
    }

    /// A bare word (a realm's name).
    static func word(_ value: String) throws -> String {
        guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw Invalid(description: "realm \(value): letters, digits, '-', '_' and '.' only")
        }
        return value
    }

    /// An IPv4 address literal.
    static func address(_ value: String) throws -> String {
        guard value.split(separator: ".").count == 4, value.split(separator: ".").allSatisfy({ UInt8($0) != nil }) else {
            throw Invalid(description: "home server address \(value): an IPv4 address")
        }
        return value
    }
}
