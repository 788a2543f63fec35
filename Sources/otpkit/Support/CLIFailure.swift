import ArgumentParser
import Foundation
import MasterKeys
import OTPCore
import Provisioning
import SeedFormats
import ServiceManager
import TokenDrivers
import USBTransport
import Verification

/// An error as the person at the terminal sees it: one line, and the exit code documented in `otpkit --help`.
struct CLIFailure: Error, CustomStringConvertible {
    enum Code: Int32 {
        case refused = 1
        case unreachable = 2
        case protocolError = 3
        case checkFailed = 4
        /// A master key file is missing, or does not open what the database or journal holds.
        case keyProblem = 5
        case usage = 64
    }

    let message: String
    let code: Code

    init(_ message: String, code: Code) {
        self.message = message
        self.code = code
    }

    var description: String { message }

    /// Classifies any error the libraries throw.
    init(_ error: Error) {
        switch error {
        case let failure as CLIFailure:
            self = failure
        case let error as OpenHOTPError:
            switch error {
            case .refused: self.init(error.description, code: .refused)
            case .invalidRequest: self.init(error.description, code: .usage)
            case .transport(let transport): self.init(transport)
            case .corruptedReply, .staleReply, .malformedReply: self.init(error.description, code: .protocolError)
            }
        case let error as YubiKeyDriver.YubiKeyError:
            switch error {
            case .transport(let transport): self.init(transport)
            case .notConfirmed: self.init(error.description, code: .refused)
            case .busy, .badResponse: self.init(error.description, code: .protocolError)
            case .invalidConfiguration: self.init(error.description, code: .usage)
            }
        case let error as NitrokeyDriver.NitrokeyError:
            switch error {
            case .transport(let transport): self.init(transport)
            case .refused, .wrongPIN: self.init(error.description, code: .refused)
            case .badReply: self.init(error.description, code: .protocolError)
            case .invalidRequest: self.init(error.description, code: .usage)
            }
        case let error as TokenDriverError:
            switch error {
            case .openHOTP(let driver): self.init(driver)
            case .yubiKey(let driver): self.init(driver)
            case .nitrokey(let driver): self.init(driver)
            case .transport(let transport): self.init(transport)
            }
        case let error as HOTPProgrammingError:
            switch error {
            case .invalidRequest(let detail, let fix?):
                let message = switch fix {
                case .secretLength(let bytes): "\(detail) (--secret-bytes \(bytes))"
                case .noName: "\(detail); leave out --name"
                case .roundMovingFactor(let counter, let roundedDown):
                    "a YubiKey stores the initial moving factor in steps of 16 (up to 1048560); \(counter) is not one. "
                        + "Give a multiple of 16, or --round-imf to round it down to \(roundedDown)"
                }
                self.init(message, code: .usage)
            case .invalidRequest: self.init(error.description, code: .usage)
            case .pinRequired: self.init("\(error): give it with --pin, --pin-file, OTPKIT_PIN or at the prompt", code: .usage)
            case .slotProgrammed: self.init("\(error); add --force to overwrite it", code: .refused)
            case .readBackDiffers: self.init(error.description, code: .protocolError)
            case .firstCodeDiffers: self.init(error.description, code: .checkFailed)
            case .driver(let driver): self.init(driver)
            }
        case let error as VerifierImportError:
            switch error {
            case .badURL, .badSetting: self.init(error.description, code: .usage)
            case .unreachable, .cancelled: self.init(error.description, code: .unreachable)
            case .unusableAnswer: self.init(error.description, code: .protocolError)
            }
        case let error as SeedExportError:
            switch error {
            case .unwritable: self.init(error.description, code: .refused)
            case .pskcNeedsProtection: self.init("an unencrypted PSKC export needs --format json or csv; give --psk or --password-file", code: .usage)
            case .unfitForCSV(let ids): self.init("Yubico CSV holds only 6-digit SHA1 HOTP; use --format pskc for \(ids.joined(separator: ", "))", code: .usage)
            case .format: self.init(error.description, code: .usage)
            }
        case let error as TransportError:
            switch error {
            case .protocolViolation, .shortTransfer, .stalled: self.init(error.description, code: .protocolError)
            default: self.init(error.description, code: .unreachable)
            }
        case let error as OTPError:
            self.init(error.description, code: .usage)
        case let error as DeviceAddress.ParseError:
            self.init(error.description, code: .usage)
        case let error as SeedFormatError:
            self.init(error.description, code: .usage)
        case let error as ValidationError:
            self.init(error.message, code: .usage)
        case let error as MasterKeyError:
            self.init(error.description, code: .keyProblem)
        case let error as VerifierError:
            // A user name or PIN that cannot be is bad input, as a bad option is.
            if case .invalidUser = error { self.init(error.description, code: .usage); return }
            let code: Code = error.isMasterKeyProblem ? .keyProblem : error.isStorageProblem ? .unreachable : .refused
            self.init(error.description, code: code)
        default:
            self.init("\(error)", code: .refused)
        }
    }
}

/// Runs a command body; failures print `otpkit: error: ...` on stderr and exit with their code.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        throw exitCode(reporting: error)
    }
}

func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        throw exitCode(reporting: error)
    }
}

private func exitCode(reporting error: Error) -> ExitCode {
    if let exit = error as? ExitCode { return exit }
    let failure = CLIFailure(error)
    writeError(JournalStream.standardError.format("otpkit: error: \(failure.message)\n", priority: .error))
    return ExitCode(failure.code.rawValue)
}
