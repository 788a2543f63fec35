import Foundation
import TestSupport
import Testing
import TokenDrivers

/// udev/70-otpkit.rules must be what the driver table renders, and grant every supported token on usb and hidraw.
@Suite struct UDevRulesTests {
    @Test func committedRulesMatchTheDriverTable() throws {
        let file = ProjectPaths.root.appendingPathComponent("udev/\(UDevRules.fileName)")
        let committed = try String(contentsOf: file, encoding: .utf8)
        #expect(committed == UDevRules.render(), "regenerate with: .build/debug/otpkit udev-rules > udev/\(UDevRules.fileName)")
    }

    @Test func everySupportedTokenIsGrantedOnBothSubsystems() {
        let lines = UDevRules.render().split(separator: "\n")
        for token in SupportedTokens.all {
            let vendor = String(format: "%04x", token.vendorID), product = String(format: "%04x", token.productID)
            let usb = lines.filter { $0.contains("SUBSYSTEM==\"usb\"") && $0.contains("ATTR{idVendor}==\"\(vendor)\"")
                && $0.contains("ATTR{idProduct}==\"\(product)\"") && $0.contains("TAG+=\"uaccess\"") }
            let hidraw = lines.filter { $0.contains("SUBSYSTEM==\"hidraw\"") && $0.contains("ATTRS{idVendor}==\"\(vendor)\"")
                && $0.contains("ATTRS{idProduct}==\"\(product)\"") && $0.contains("TAG+=\"uaccess\"") }
            #expect(usb.count == 1, "\(token.name) on usb")
            #expect(hidraw.count == 1, "\(token.name) on hidraw")
        }
    }
}
