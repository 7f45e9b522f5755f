import Foundation
import TutorRunner
import TutorSupport

/// Makes the first SIGINT raise `flag` (the command stops at its next safe point and says
/// `message`); a second SIGINT exits at once with 130. Call `cancel()` when the command ends:
/// SIGINT then ends the process again (which matters when commands run in-process).
func watchInterrupts(_ flag: InterruptFlag, saying message: String) -> InterruptWatch {
    let context = CommandContext.current
    signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    source.setEventHandler {
        if flag.isRaised { _exit(ExitStatus.interrupted.rawValue) }
        flag.raise()
        context.writeError("\n\(message)\n")
    }
    source.resume()
    return InterruptWatch(source: source)
}

/// A running SIGINT watch.
struct InterruptWatch {
    let source: any DispatchSourceSignal

    /// Stops watching and gives SIGINT its default action back.
    func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
