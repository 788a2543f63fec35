/// One request of the control protocol, as a line of JSON names it.
public enum ControlCommand: Equatable, Sendable {
    /// `{"press": "1-1", "slot": 2}`: press a token's button (a YubiKey's slot 1 or 2; others ignore the slot).
    case press(busID: String, slot: Int?)
    /// `{"plug": "1-3"}`
    case plug(busID: String)
    /// `{"unplug": "1-2"}`
    case unplug(busID: String)
    /// `{"drop_after": 5, "device": "1-1"}`: after N more feature-report transfers (to that device, or any without
    /// "device"), the next one pulls the token out, once.
    case dropAfter(transfers: Int, busID: String?)
    /// `{"state": "1-1"}`: slots, counters and PIN tries; never a secret.
    case state(busID: String)

    public init(parsing line: some Collection<UInt8>) throws(ControlError) {
        let object: FlatJSONObject
        do { object = try FlatJSONObject(parsing: line) } catch { throw .badRequest(error.description) }
        let verbs = ["press", "plug", "unplug", "drop_after", "state"].filter { object[$0] != nil }
        guard verbs.count == 1, let verb = verbs.first else {
            throw .badRequest("name exactly one of press, plug, unplug, drop_after, state")
        }
        let allowed: Set<String> = switch verb {
        case "press": ["press", "slot"]
        case "drop_after": ["drop_after", "device"]
        default: [verb]
        }
        if let extra = object.members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badRequest("unexpected member \"\(extra)\" for \(verb)")
        }
        switch verb {
        case "press":
            self = .press(busID: try Self.busID(object, "press"), slot: try Self.optionalInteger(object, "slot", 0...15))
        case "plug": self = .plug(busID: try Self.busID(object, "plug"))
        case "unplug": self = .unplug(busID: try Self.busID(object, "unplug"))
        case "drop_after":
            guard let count = try Self.optionalInteger(object, "drop_after", 0...1_000_000) else {
                throw .badRequest("drop_after takes a count")
            }
            self = .dropAfter(transfers: count, busID: object["device"] == nil ? nil : try Self.busID(object, "device"))
        default: self = .state(busID: try Self.busID(object, "state"))
        }
    }

    /// A bus id as `usbip list` shows them: BUS-PORT, both small numbers.
    private static func busID(_ object: FlatJSONObject, _ key: String) throws(ControlError) -> String {
        guard case .string(let text) = object[key] else { throw .badRequest("\(key) takes a bus id such as \"1-1\"") }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ (1...3).contains($0.count) && $0.allSatisfy(\.isASCII) && Int($0) != nil }) else {
            throw .badRequest("\(key) takes a bus id such as \"1-1\"")
        }
        return text
    }

    private static func optionalInteger(_ object: FlatJSONObject, _ key: String, _ range: ClosedRange<Int>) throws(ControlError) -> Int? {
        switch object[key] {
        case nil, .null?: return nil
        case .integer(let value)? where range.contains(value): return value
        default: throw .badRequest("\(key) takes a number from \(range.lowerBound) to \(range.upperBound)")
        }
    }
}

/// A refused request; the reply is `{"error": description}`.
public enum ControlError: Error, Equatable, CustomStringConvertible {
    case badRequest(String)
    case lineTooLong(limit: Int)
    case noSuchDevice(String)
    case refused(String)

    public var description: String {
        switch self {
        case .badRequest(let why): why
        case .lineTooLong(let limit): "a line may hold at most \(limit) bytes"
        case .noSuchDevice(let busID): "no device \(busID)"
        case .refused(let why): why
        }
    }
}
