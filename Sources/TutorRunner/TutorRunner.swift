// The TutorRunner module; see Package.swift for its concern.
