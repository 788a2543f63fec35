import Checksums
import OTPCore
import Testing
@testable import TokenDrivers

/// How the driver meets a token or transport that misbehaves.
@Suite struct OpenHOTPDriverFaultTests {
    /// A channel that answers with a programmable reply function and records writes.
    final class FakeChannel: FeatureReportChannel {
        var lastRequest: [UInt8] = []
        var writes = 0
        var reads = 0
        var reply: (_ request: OpenHOTPFrame, _ read: Int) throws(TransportError) -> [UInt8]

        init(reply: @escaping (_ request: OpenHOTPFrame, _ read: Int) throws(TransportError) -> [UInt8]) {
            self.reply = reply
        }

        func setFeatureReport(_ report: [UInt8]) throws(TransportError) {
            writes += 1
            lastRequest = report
            reads = 0
        }

        func getFeatureReport(length: Int) throws(TransportError) -> [UInt8] {
            reads += 1
            return try reply(try! OpenHOTPFrame(decoding: lastRequest), reads)
        }
    }

    static func okCounter(_ request: OpenHOTPFrame) -> [UInt8] {
        OpenHOTPFrame(command: request.command, sequence: request.sequence, statusByte: 0,
                      payload: [0, 0, 0, 0, 0, 0, 0, 0, 9]).encoded()
    }

    @Test func aCorruptedReplyIsReadAgain() throws {
        let channel = FakeChannel { request, read in
            var bytes = Self.okCounter(request)
            if read == 1 { bytes[10] ^= 0xFF }
            return bytes
        }
        #expect(try OpenHOTPDriver(channel: channel).readCounter(0) == 9)
        #expect(channel.reads == 2)
        #expect(channel.writes == 1, "a re-read must not resend the request")
    }

    @Test func aReplyThatStaysCorruptedIsAnError() {
        let channel = FakeChannel { request, _ in
            var bytes = Self.okCounter(request)
            bytes[63] ^= 1
            return bytes
        }
        #expect(throws: OpenHOTPError.corruptedReply) { try OpenHOTPDriver(channel: channel).readCounter(0) }
    }

    @Test func aStaleReplyIsNamed() {
        let channel = FakeChannel { request, _ in
            OpenHOTPFrame(command: request.command, sequence: request.sequence &+ 7, statusByte: 0, payload: []).encoded()
        }
        #expect(throws: OpenHOTPError.staleReply(expectedSequence: 1, received: 8)) { try OpenHOTPDriver(channel: channel).info() }
    }

    @Test func shortAndTruncatedRepliesAreErrors() {
        let short = FakeChannel { request, _ in Array(Self.okCounter(request).prefix(40)) }
        #expect(throws: OpenHOTPError.transport(.shortTransfer(expected: 64, actual: 40))) {
            try OpenHOTPDriver(channel: short).readCounter(0)
        }
        let truncatedPayload = FakeChannel { request, _ in
            OpenHOTPFrame(command: request.command, sequence: request.sequence, payload: [0, 1, 2]).encoded()
        }
        #expect(throws: OpenHOTPError.malformedReply("the reply payload is too short")) {
            try OpenHOTPDriver(channel: truncatedPayload).readCounter(0)
        }
        let badLength = FakeChannel { request, _ in
            var bytes = OpenHOTPFrame(command: request.command, sequence: request.sequence).encoded()
            bytes[3] = 200
            return OpenHOTPFrame.recomputingCRC(bytes)
        }
        #expect(throws: OpenHOTPError.malformedReply("badLength(200)")) { try OpenHOTPDriver(channel: badLength).info() }
    }

    @Test func aDisconnectMidCommandIsReported() {
        let channel = FakeChannel { _, _ throws(TransportError) in throw .disconnected("unplugged") }
        #expect(throws: OpenHOTPError.transport(.disconnected("unplugged"))) { try OpenHOTPDriver(channel: channel).generate(0) }
    }

    @Test func aTouchThatNeverComesTimesOut() {
        let channel = FakeChannel { request, _ in
            OpenHOTPFrame(command: request.command, sequence: request.sequence, statusByte: OpenHOTPStatus.pending.rawValue).encoded()
        }
        let driver = OpenHOTPDriver(channel: channel)
        driver.touchTimeout = 0.05
        driver.pollInterval = 0.01
        #expect(throws: OpenHOTPError.refused(.touchTimeout, retriesLeft: nil)) { try driver.generate(0) }
        #expect(channel.reads > 1)
    }

    @Test func badArgumentsAreRefusedBeforeAnythingIsSent() throws {
        let channel = FakeChannel { request, _ in Self.okCounter(request) }
        let driver = OpenHOTPDriver(channel: channel)
        #expect(throws: OpenHOTPError.invalidRequest("the secret must be 16 to 64 bytes long, not 10")) {
            try driver.writeSlot(0, OpenHOTPSlotConfiguration(secret: try Secret(bytes: Array(repeating: 1, count: 10))))
        }
        #expect(throws: OpenHOTPError.invalidRequest("the secret must be 16 to 64 bytes long, not 65")) {
            try driver.writeSlot(0, OpenHOTPSlotConfiguration(secret: try Secret(bytes: Array(repeating: 1, count: 65))))
        }
        #expect(throws: OpenHOTPError.invalidRequest("digits must be between 6 and 10, not 11")) {
            try driver.writeSlot(0, OpenHOTPSlotConfiguration(secret: Secret.random(), digits: 11))
        }
        #expect(throws: OpenHOTPError.invalidRequest("a PIN must be 4 to 16 bytes long")) { try driver.verifyPIN("12") }
        #expect(channel.writes == 0)
    }

    @Test func errorsNeverCarrySecrets() {
        let secret = Secret.random()
        let configuration = OpenHOTPSlotConfiguration(secret: secret)
        #expect(!"\(configuration)".contains(secret.hex))
        #expect(OpenHOTPError.refused(.wrongPIN, retriesLeft: 1).description == "wrong admin PIN (1 try left before the token locks)")
    }
}

extension OpenHOTPFrame {
    /// Test helper: a frame's bytes with a valid CRC over whatever bytes 0-59 hold.
    static func recomputingCRC(_ bytes: [UInt8]) -> [UInt8] {
        var frame = OpenHOTPFrame(command: 0, sequence: 0).encoded()
        frame.replaceSubrange(0..<60, with: bytes[0..<60])
        let crc = Checksums.CRC32.checksum(frame[0..<60])
        frame.replaceSubrange(60..<64, with: [UInt8(crc & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc >> 16 & 0xff), UInt8(crc >> 24)])
        return frame
    }
}
