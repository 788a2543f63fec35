import TokenEmulator
import UMockdevBridge

/// hidraw's ioctls as a program under `otpkit emulate --` issues them: the request number decoded as the testbed
/// decodes it, and a report request turned into its control transfer and run on a fresh emulated token of the family
/// the input picks (OpenHOTP, YubiKey, Nitrokey Storage), its answer laid into the caller's buffer.
/// Input: [family][ioctl number, 4 bytes little-endian][the caller's buffer].
enum HidrawFuzzing {
    static func run(_ input: [UInt8]) {
        guard input.count >= 5 else { return }
        let number = input[1..<5].reversed().reduce(UInt(0)) { $0 << 8 | UInt($1) }
        let buffer = Array(input.dropFirst(5))
        guard let request = HidrawRequest(number: number), let device = device(input[0]) else { return }
        switch request {
        case .setReport(let type, let length):
            // The caller's buffer of `length` bytes (an ioctl's size is at most 16,383): the input, then zeros.
            let report = Array((buffer + [UInt8](repeating: 0, count: length)).prefix(length))
            guard let (setup, data) = try? HidrawReports.set(type, interface: 0, report: report) else { return }
            _ = device.control(setup, data: data)
        case .getReport(let type, let length):
            let id = buffer.first ?? 0
            guard let setup = try? HidrawReports.get(type, interface: 0, id: id, length: length) else { return }
            if case .completed(let reply) = device.control(setup, data: []) {
                let answer = HidrawReports.answer(id: id, length: length, reply: reply)
                precondition(answer.offset + answer.bytes.count <= length && answer.result <= length, "the answer overruns the buffer")
            }
        default:
            return
        }
    }

    private static func device(_ family: UInt8) -> EmulatedHIDDevice? {
        switch family % 3 {
        case 0: OpenHOTPToken(state: OpenHOTPTokenState(serial: 12345678)).usbDevice
        case 1: (try? YubiKeyToken(serial: 1234567))?.usbDevice
        default: (try? NitrokeyToken(model: .storage, serial: 0x1234_5678))?.usbDevice
        }
    }

    /// Each family's feature report, read and written, as ykman, hidapi and nitropy ask for them.
    static func seeds() -> [[UInt8]] {
        func request(_ family: UInt8, _ number: UInt, _ buffer: [UInt8]) -> [UInt8] {
            [family] + (0..<4).map { UInt8(truncatingIfNeeded: number >> (8 * UInt($0))) } + buffer
        }
        let getFeature9: UInt = 0xC009_4807, setFeature9: UInt = 0xC009_4806, getFeature65: UInt = 0xC041_4807
        return [
            request(1, getFeature9, [UInt8](repeating: 0, count: 9)),
            request(1, setFeature9, [0, 0, 0, 0, 0, 0, 0, 0, 0x80]),
            request(0, getFeature65, [UInt8](repeating: 0, count: 65)),
            request(2, getFeature65, [UInt8](repeating: 0, count: 65)),
        ]
    }
}
