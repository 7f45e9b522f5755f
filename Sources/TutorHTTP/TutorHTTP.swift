// The TutorHTTP module; see Package.swift for its concern.
