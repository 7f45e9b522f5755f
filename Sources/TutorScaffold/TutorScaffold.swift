// The TutorScaffold module; see Package.swift for its concern.
