import OTPCore
import TestSupport
import Testing
@testable import TokenDrivers

/// The host driver against Firmware-spec/OpenHOTP/vectors.json: it must write exactly the vector's requests and
/// decode the vector's replies into the vector's result or error.
@Suite struct OpenHOTPDriverVectorTests {
    static let vectors = try! OpenHOTPVectorFile.load().vectors.filter { $0.host != nil }

    @Test func everyHostOperationIsCovered() {
        let operations = Set(Self.vectors.compactMap { $0.host?.operation })
        #expect(operations == ["info", "readSlot", "writeSlot", "readCounter", "generate", "eraseSlot", "setPIN",
                               "verifyPIN", "factoryReset"])
    }

    @Test(arguments: vectors.map(\.name))
    func driverMatchesVector(name: String) throws {
        let vector = try #require(Self.vectors.first { $0.name == name })
        let host = try #require(vector.host)
        let channel = ScriptedChannel(vector: vector)
        let driver = OpenHOTPDriver(channel: channel)
        driver.pollInterval = 0.001
        do {
            let result = try perform(host, on: driver)
            #expect(host.error == nil, "expected an error, got \(result)")
            // The whole result, so that a vector whose result is missing or empty still asserts something.
            #expect(result == (host.result ?? [:]), "\(result) against the vector's \(host.result ?? [:])")
        } catch let error as OpenHOTPError {
            let expected = try #require(host.error, "unexpected error \(error)")
            guard case .refused(let status, let retries) = error else {
                Issue.record("expected a refusal, got \(error)")
                return
            }
            #expect(status.specName == expected["status"]?.string)
            #expect(retries == expected["retries"]?.int)
        }
        #expect(channel.mismatches.isEmpty, "\(channel.mismatches.joined(separator: "\n"))")
        #expect(channel.finished, "the driver did not play the whole script")
    }

    /// Runs the vector's operation and flattens its result into the vector's JSON vocabulary.
    private func perform(_ host: HostOperation, on driver: OpenHOTPDriver) throws -> [String: JSONValue] {
        switch host.operation {
        case "info":
            let info = try driver.info()
            return ["serial": .number(Double(info.serial)), "firmware": .string(info.firmware),
                    "protocolVersion": .number(Double(info.protocolVersion)), "slotCount": .number(Double(info.slotCount)),
                    "capabilities": .number(Double(info.capabilities)), "pinSet": .bool(info.pinSet),
                    "adminSession": .bool(info.adminSession), "pinLocked": .bool(info.pinLocked),
                    "pinRetries": .number(Double(info.pinRetries)), "maxSecretLength": .number(Double(info.maxSecretLength)),
                    "maxNameLength": .number(Double(info.maxNameLength))]
        case "readSlot":
            let slot = try driver.readSlot(host.slot!)
            var result: [String: JSONValue] = ["slot": .number(Double(slot.slot)), "programmed": .bool(slot.programmed)]
            if slot.programmed {
                result["algorithm"] = .string(slot.algorithm!.rawValue)
                result["digits"] = .number(Double(slot.digits!))
                result["touch"] = .bool(slot.touch!)
                result["counter"] = .number(Double(slot.counter!))
                result["name"] = .string(slot.name!)
            }
            return result
        case "writeSlot":
            try driver.writeSlot(host.slot!, OpenHOTPSlotConfiguration(
                secret: try Secret(hex: host.secret!), algorithm: OTPAlgorithm(name: host.algorithm!)!,
                digits: host.digits!, counter: host.counter!, name: host.name!, touch: host.touch!))
            return [:]
        case "readCounter":
            return ["counter": .number(Double(try driver.readCounter(host.slot!)))]
        case "generate":
            let code = try driver.generate(host.slot!)
            return ["counter": .number(Double(code.counter)), "code": .string(code.code)]
        case "eraseSlot":
            try driver.eraseSlot(host.slot!)
            return [:]
        case "setPIN":
            return ["retries": .number(Double(try driver.setPIN(current: host.current, new: host.new!)))]
        case "verifyPIN":
            return ["retries": .number(Double(try driver.verifyPIN(host.pin!)))]
        case "factoryReset":
            try driver.factoryReset()
            return [:]
        default:
            Issue.record("unknown operation \(host.operation)")
            return [:]
        }
    }
}
