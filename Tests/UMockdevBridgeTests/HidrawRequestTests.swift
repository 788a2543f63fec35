import Testing
@testable import UMockdevBridge

/// The hidraw ioctl numbers as linux/hidraw.h makes them on x86_64 (values from the fact sheet), and the report
/// requests as usbhid turns them into control transfers.
@Suite struct HidrawRequestTests {
    @Test func theKernelsNumbersDecode() {
        #expect(HidrawRequest(number: 0x8004_4801) == .reportDescriptorSize)
        #expect(HidrawRequest(number: 0x9004_4802) == .reportDescriptor)
        #expect(HidrawRequest(number: 0x8008_4803) == .rawInfo)
        #expect(HidrawRequest(number: 0x8100_4804) == .rawName(length: 256))
        #expect(HidrawRequest(number: 0x8040_4805) == .rawPhys(length: 64))
        #expect(HidrawRequest(number: 0x8040_4808) == .rawUniq(length: 64))
        #expect(HidrawRequest(number: 0xC009_4806) == .setReport(.feature, length: 9), "ykman's HIDIOCSFEATURE(9)")
        #expect(HidrawRequest(number: 0xC009_4807) == .getReport(.feature, length: 9), "ykman's HIDIOCGFEATURE(9)")
        #expect(HidrawRequest(number: 0xC041_480A) == .getReport(.input, length: 65))
        #expect(HidrawRequest(number: 0xC041_480B) == .setReport(.output, length: 65))
    }

    @Test func otherNumbersAreNotHidraw() {
        #expect(HidrawRequest(number: 0x8004_5501) == nil, "type 'U' (usbdevfs)")
        #expect(HidrawRequest(number: 0x4004_4801) == nil, "the descriptor size with the wrong direction")
        #expect(HidrawRequest(number: 0x8008_4802) == nil, "HIDIOCGRDESC with a struct of the wrong size")
        #expect(HidrawRequest(number: 0xC009_48FF) == nil)
    }

    @Test func aReportIDOfZeroIsLeftOutOfTheTransferAndCountedInTheAnswer() throws {
        let (setup, data) = try HidrawReports.set(.feature, interface: 0, report: [0, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(setup.bytes == [0x21, 0x09, 0x00, 0x03, 0, 0, 8, 0] && data == [1, 2, 3, 4, 5, 6, 7, 8])
        let numbered = try HidrawReports.set(.output, interface: 1, report: [5, 9])
        #expect(numbered.setup.bytes == [0x21, 0x09, 0x05, 0x02, 1, 0, 2, 0] && numbered.data == [5, 9])

        let get = try HidrawReports.get(.feature, interface: 0, id: 0, length: 9)
        #expect(get.bytes == [0xA1, 0x01, 0x00, 0x03, 0, 0, 8, 0])
        let answer = HidrawReports.answer(id: 0, length: 9, reply: Array(1...20))
        #expect(answer.bytes == Array(1...8) && answer.offset == 1 && answer.result == 9, "cut to the buffer, after the id byte")
        #expect(HidrawReports.answer(id: 3, length: 4, reply: [3, 7]).result == 2)
    }

    @Test func lengthsAreBoundedBeforeAnyTransfer() {
        #expect(throws: HidrawReports.Refusal.invalid) { try HidrawReports.set(.output, interface: 0, report: []) }
        #expect(throws: HidrawReports.Refusal.invalid) {
            try HidrawReports.set(.output, interface: 0, report: [UInt8](repeating: 0, count: 70_000))
        }
        #expect(throws: HidrawReports.Refusal.invalid) { try HidrawReports.get(.feature, interface: 0, id: 0, length: 0) }
        #expect(throws: HidrawReports.Refusal.invalid) { try HidrawReports.get(.feature, interface: 0, id: 0, length: 4097) }
    }
}
