/// The udev rules that let the logged-in user reach every supported token, rendered from the driver table.
/// `udev/70-otpkit.rules` is this text; a test keeps the two equal.
public enum UDevRules {
    public static let fileName = "70-otpkit.rules"

    public static func render() -> String {
        var lines = [
            "# otpkit: give the logged-in user access to supported OTP tokens, through libusb (usb) and hidraw.",
            "# Generated from the driver table (Sources/TokenDrivers/SupportedTokens.swift); do not edit by hand.",
            "# Install with `sudo make install-udev`. uaccess must be tagged before 73-seat-late.rules, hence 70.",
            "ACTION==\"remove\", GOTO=\"otpkit_end\"",
        ]
        for token in SupportedTokens.all {
            let vendor = token.vendorID.hex4, product = token.productID.hex4
            lines.append("")
            lines.append("# \(token.name)")
            lines.append("SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", ATTR{idVendor}==\"\(vendor)\", ATTR{idProduct}==\"\(product)\", TAG+=\"uaccess\"")
            lines.append("SUBSYSTEM==\"hidraw\", ATTRS{idVendor}==\"\(vendor)\", ATTRS{idProduct}==\"\(product)\", TAG+=\"uaccess\"")
        }
        lines.append("")
        lines.append("LABEL=\"otpkit_end\"")
        return lines.joined(separator: "\n") + "\n"
    }

}
