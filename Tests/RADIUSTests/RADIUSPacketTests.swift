import RADIUS
import Testing

/// The decoder's limits: every malformed form is refused with its own error, nothing traps, and a valid packet
/// survives a round trip byte for byte.
@Suite struct RADIUSPacketTests {
    static let secret = try! RADIUSSharedSecret("xyzzy5461")

    static func validRequest() throws -> [UInt8] {
        try RADIUSClientCodec.accessRequest(
            identifier: 42, requestAuthenticator: Array(0..<16), userName: "alice", password: RADIUSPassword("123456"),
            attributes: [RADIUSAttribute(type: .nasIdentifier, text: "vpn-1"), RADIUSAttribute(type: .proxyState, value: [7])],
            secret: secret)
    }

    @Test func decodesWhatTheEncoderWrote() throws {
        let bytes = try Self.validRequest()
        let packet = try RADIUSPacket(decoding: bytes)
        #expect(packet.code == .accessRequest)
        #expect(packet.identifier == 42)
        #expect(packet.authenticator == Array(0..<16))
        #expect(packet.attributes.map(\.type) == [.messageAuthenticator, .userName, .userPassword, .nasIdentifier, .proxyState])
        #expect(packet.length == bytes.count)
        #expect(try packet.encoded() == bytes)
        #expect(try RADIUSPacket(decoding: packet.encoded()) == packet)
    }

    @Test func bytesPastLengthArePaddingAndIgnored() throws {
        let bytes = try Self.validRequest()
        let padded = bytes + [0xFF, 0, 1, 2, 3]
        #expect(try RADIUSPacket(decoding: padded) == RADIUSPacket(decoding: bytes))
    }

    @Test func everyProperPrefixIsRefused() throws {
        let bytes = try Self.validRequest()
        for count in 0..<bytes.count {
            #expect(throws: RADIUSDecodingError.self) { try RADIUSPacket(decoding: Array(bytes.prefix(count))) }
        }
    }

    @Test func shortAndLongDatagrams() throws {
        #expect(throws: RADIUSDecodingError.datagramTooShort(count: 19)) { try RADIUSPacket(decoding: [UInt8](repeating: 1, count: 19)) }
        var long = [UInt8](repeating: 0, count: 4097)
        long[0] = 1
        long[2] = 0x10
        long[3] = 0x00
        let error = #expect(throws: RADIUSDecodingError.self) { try RADIUSPacket(decoding: long) }
        #expect(error == .datagramTooLong(count: 4097))
        #expect(error?.category == .tooLong)
    }

    @Test func largestPacketDecodes() throws {
        // 4,096 bytes: header and 4,076 bytes of attributes (16 of 255 bytes, one of 156).
        var attributes = (0..<15).map { _ in try! RADIUSAttribute(type: .proxyState, value: [UInt8](repeating: 9, count: 253)) }
        attributes.append(try RADIUSAttribute(type: .proxyState, value: [UInt8](repeating: 9, count: 4076 - 15 * 255 - 2)))
        let packet = try RADIUSPacket(code: .accessRequest, identifier: 1, authenticator: Array(0..<16), attributes: attributes)
        let bytes = try packet.encoded()
        #expect(bytes.count == 4096)
        #expect(try RADIUSPacket(decoding: bytes) == packet)
        var tooMany = packet
        tooMany.attributes.append(try RADIUSAttribute(type: .proxyState, value: []))
        #expect(throws: RADIUSEncodingError.packetTooLong(length: 4098)) { try tooMany.encoded() }
    }

    @Test func lengthFieldsThatLie() throws {
        var bytes = try Self.validRequest()
        bytes[2] = 0; bytes[3] = 19
        #expect(throws: RADIUSDecodingError.lengthFieldOutOfRange(length: 19)) { try RADIUSPacket(decoding: bytes) }
        bytes[2] = 0x10; bytes[3] = 0x01
        #expect(throws: RADIUSDecodingError.lengthFieldOutOfRange(length: 4097)) { try RADIUSPacket(decoding: bytes) }
        let good = try Self.validRequest()
        bytes = good
        bytes[3] = UInt8(good.count + 1)
        #expect(throws: RADIUSDecodingError.lengthExceedsDatagram(length: good.count + 1, datagram: good.count)) {
            try RADIUSPacket(decoding: bytes)
        }
        // A Length that ends inside an attribute: the attribute overruns the packet.
        bytes = good
        bytes[3] = UInt8(good.count - 1)
        #expect(throws: RADIUSDecodingError.attributeOverrunsPacket(offset: good.count - 3)) { try RADIUSPacket(decoding: bytes) }
    }

    @Test func attributesOfLengthZeroOrOne() throws {
        for length: UInt8 in [0, 1] {
            let bytes: [UInt8] = [1, 1, 0, 24] + [UInt8](repeating: 0, count: 16) + [1, length, 0x61, 0x62]
            #expect(throws: RADIUSDecodingError.attributeLengthTooSmall(offset: 20)) { try RADIUSPacket(decoding: bytes) }
        }
        // A lone Type octet at the end.
        let lone: [UInt8] = [1, 1, 0, 21] + [UInt8](repeating: 0, count: 16) + [1]
        #expect(throws: RADIUSDecodingError.attributeLengthTooSmall(offset: 20)) { try RADIUSPacket(decoding: lone) }
        // An attribute claiming more than is left.
        let overrun: [UInt8] = [1, 1, 0, 24] + [UInt8](repeating: 0, count: 16) + [1, 5, 0x61, 0x62]
        #expect(throws: RADIUSDecodingError.attributeOverrunsPacket(offset: 20)) { try RADIUSPacket(decoding: overrun) }
        // An empty value (length 2) is well formed.
        let empty: [UInt8] = [1, 1, 0, 22] + [UInt8](repeating: 0, count: 16) + [18, 2]
        #expect(try RADIUSPacket(decoding: empty).attributes == [RADIUSAttribute(type: .replyMessage, value: [])])
    }

    @Test func unknownCodesAreTheirOwnError() throws {
        for code: UInt8 in [0, 4, 5, 13, 40, 255] {
            var bytes = try Self.validRequest()
            bytes[0] = code
            let error = #expect(throws: RADIUSDecodingError.self) { try RADIUSPacket(decoding: bytes) }
            #expect(error == .unknownCode(code))
            #expect(error?.category == .unknownCode)
        }
        for code in RADIUSCode.allCases {
            var bytes = try Self.validRequest()
            bytes[0] = code.rawValue
            #expect(try RADIUSPacket(decoding: bytes).code == code)
        }
    }

    @Test func malformedCategories() {
        #expect(RADIUSDecodingError.attributeLengthTooSmall(offset: 20).category == .malformed)
        #expect(RADIUSDecodingError.lengthExceedsDatagram(length: 30, datagram: 20).category == .malformed)
        #expect(RADIUSDecodingError.datagramTooShort(count: 3).category == .malformed)
    }

    @Test func attributeValuesAreBounded() throws {
        #expect(throws: RADIUSEncodingError.attributeTooLong(type: 18)) { try RADIUSAttribute(type: .replyMessage, value: [UInt8](repeating: 0, count: 254)) }
        #expect(throws: RADIUSEncodingError.badAuthenticatorLength(15)) {
            try RADIUSPacket(code: .accessRequest, identifier: 0, authenticator: [UInt8](repeating: 0, count: 15))
        }
        let long = String(repeating: "é", count: 200) // 400 bytes of UTF-8
        let pieces = RADIUSAttribute.replyMessages(long)
        #expect(pieces.count == 2)
        #expect(pieces.allSatisfy { $0.value.count <= 253 && $0.text != nil })
        #expect(pieces.map { $0.text! }.joined() == long)
    }

    /// Random bytes, and random damage to a valid packet: each decodes or throws, and what decodes re-encodes to
    /// exactly its first Length bytes. (The fuzz target `radius-packet` does this under libFuzzer.)
    @Test func randomInputNeverTraps() throws {
        var generator = SystemRandomNumberGenerator()
        let valid = try Self.validRequest()
        var mismatches = 0, decoded = 0
        for round in 0..<10_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...80, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if bytes.count >= 4 { bytes[2] = 0; bytes[3] = UInt8(min(bytes.count, 255)) }
            } else {
                bytes = valid
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            if let packet = try? RADIUSPacket(decoding: bytes) {
                decoded += 1
                let length = Int(bytes[2]) << 8 | Int(bytes[3])
                if (try? packet.encoded()) != Array(bytes[0..<length]) { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        #expect(decoded > 1000, "the damage left many packets decodable, so the re-encoding was checked")
    }
}
