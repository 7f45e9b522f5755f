import ArgumentParser
import Foundation
import TutorSupport

/// Prints an error to standard error and turns it into the documented exit code.
func exitCode(reporting error: any Error) -> ExitCode {
    if let status = error as? any ExitStatusProviding {
        printError("\(error)")
        return ExitCode(status.exitStatus.rawValue)
    }
    printError("error: \(error)")
    return ExitCode(ExitStatus.stepFailed.rawValue)
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
