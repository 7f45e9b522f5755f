import TutorCLI

// The whole command line lives in TutorCLI, so that tests can run it in-process.
await Tutor.runProcess()
