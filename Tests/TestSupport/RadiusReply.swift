/// What a RADIUS client tool (radtest, radclient) got back, read from its `-x` output.
public struct RadiusReply: Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case accept, reject, challenge
        /// Nothing came back before the client's timeout and retries ran out.
        case noReply
        /// Something came back that did not verify with the shared secret (radclient refuses it).
        case unverifiableReply
        /// The tool's output said none of the above (see `output`).
        case unrecognised
    }

    public let kind: Kind
    /// The State attribute of an Access-Challenge, to echo in the next Access-Request.
    public let state: [UInt8]?
    public let replyMessage: String?
    /// What the tool printed on both streams, for messages when a test fails.
    public let output: String
    public let exitStatus: Int32

    public var description: String {
        "\(kind) (exit \(exitStatus))" + (replyMessage.map { " Reply-Message \"\($0)\"" } ?? "") + ":\n\(output)"
    }

    /// Reads radclient's `-x` output: `Received Access-Accept Id 7 from ...` followed by the reply's attributes,
    /// one per line indented by a tab (`State = 0x6f74...`, `Reply-Message = "..."`); `No reply from server`; or
    /// `Reply verification failed` for a reply signed with another secret.
    public init(parsing output: String, exitStatus: Int32) {
        self.output = output
        self.exitStatus = exitStatus
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        guard let received = lines.lastIndex(where: { $0.hasPrefix("Received ") }) else {
            state = nil
            replyMessage = nil
            if output.contains("Reply verification failed") { kind = .unverifiableReply }
            else if output.contains("No reply from server") { kind = .noReply }
            else { kind = .unrecognised }
            return
        }
        let words = lines[received].split(separator: " ")
        kind = switch words.count > 1 ? words[1] : "" {
        case "Access-Accept": .accept
        case "Access-Reject": .reject
        case "Access-Challenge": .challenge
        default: .unrecognised
        }
        var state: [UInt8]?
        var message: String?
        for line in lines[(received + 1)...] {
            guard line.hasPrefix("\t") || line.hasPrefix(" ") else { break }
            let parts = line.trimmingPrefix(while: { $0 == "\t" || $0 == " " }).split(separator: " = ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "State": state = Self.bytes(hex: parts[1])
            case "Reply-Message" where message == nil: message = String(parts[1]).trimmingQuotes
            default: break
            }
        }
        self.state = state
        replyMessage = message
    }

    /// `0x6f74` as bytes (nil when it is not hex).
    static func bytes(hex text: Substring) -> [UInt8]? {
        guard text.hasPrefix("0x"), text.count % 2 == 0 else { return nil }
        let digits = Array(text.dropFirst(2).utf8)
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}

private extension Substring {
    func trimmingPrefix(while predicate: (Character) -> Bool) -> Substring { drop(while: predicate) }
}

private extension String {
    var trimmingQuotes: String {
        count >= 2 && hasPrefix("\"") && hasSuffix("\"") ? String(dropFirst().dropLast()) : self
    }
}
