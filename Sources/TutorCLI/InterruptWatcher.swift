import Foundation
import TutorRunner
import TutorSupport

/// Makes the first SIGINT raise `flag` (the command stops at its next safe point and says
/// `message`); a second SIGINT exits at once with 130. Keep the returned source alive.
func watchInterrupts(_ flag: InterruptFlag, saying message: String) -> any DispatchSourceSignal {
    signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    source.setEventHandler {
        if flag.isRaised { _exit(ExitStatus.interrupted.rawValue) }
        flag.raise()
        FileHandle.standardError.write(Data("\n\(message)\n".utf8))
    }
    source.resume()
    return source
}
