import ArgumentParser
import TokenDrivers

struct UDevRulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "udev-rules",
        abstract: "Print the udev rules that let ordinary users reach supported tokens.",
        discussion: "`sudo make install-udev` installs them from udev/\(UDevRules.fileName). Print them to install by hand:\n  otpkit udev-rules | sudo tee /etc/udev/rules.d/\(UDevRules.fileName)\n  sudo udevadm control --reload-rules && sudo udevadm trigger")

    func run() {
        print(UDevRules.render(), terminator: "")
    }
}
