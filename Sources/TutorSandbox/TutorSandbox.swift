// The TutorSandbox module; see Package.swift for its concern.
