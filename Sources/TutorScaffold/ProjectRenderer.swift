import Foundation

/// Renders a template folder into a directory, an archive or standard output: the entry point
/// for `tutor render` and for `tutor run --out`.
public struct ProjectRenderer: Sendable {
    /// What a render produced, for a one-line summary (never holds values).
    public struct Summary: Sendable, Equatable {
        /// Where the project went.
        public var output: String
        /// The files written, sorted by path.
        public var paths: [String]
    }

    public init() {}

    /// Checks `variables` against the template's manifest, renders every file in memory, then
    /// writes them all to `output` (nothing is left behind when anything fails). Every entry gets
    /// `fixedTime` (whole seconds) as its modification time, owner 0:0 and no owner names.
    /// An archive's entries sit in `folder` (by default the archive's name without extension);
    /// a folder output ignores it.
    /// Throws `ScaffoldError`.
    @discardableResult
    public func render(
        template: URL, variables: [String: String], to output: OutputTarget, folder: ArchiveFolder = .automatic,
        force: Bool, fixedTime: Date
    ) throws -> Summary {
        try render(
            project: try ProjectTemplate(folder: template), variables: variables, to: output, folder: folder,
            force: force, fixedTime: fixedTime)
    }

    /// `render(template:…)` with the template already read (`tutor render` reads it first for
    /// `--var` checks; reading it twice cost a manifest parse and a walk of the folder).
    @discardableResult
    public func render(
        project: ProjectTemplate, variables: [String: String], to output: OutputTarget,
        folder: ArchiveFolder = .automatic, force: Bool, fixedTime: Date
    ) throws -> Summary {
        let files = try project.render(values: variables)
        try OutputWriter.write(
            files, to: output, folder: folder, force: force,
            modificationTime: Int(fixedTime.timeIntervalSince1970.rounded(.down)))
        return Summary(output: output.displayPath, paths: files.map(\.path))
    }

    /// The time archives carry: `SOURCE_DATE_EPOCH` (whole seconds since 1970) when the
    /// environment sets it, else `fallback` (for a run, its start).
    public static func fixedTime(environment: [String: String], fallback: Date) throws -> Date {
        guard let text = environment["SOURCE_DATE_EPOCH"] else { return fallback }
        guard let seconds = Int64(text.trimmingCharacters(in: .whitespaces)), seconds >= 0 else {
            throw ScaffoldError.invalidVariable(
                name: "SOURCE_DATE_EPOCH", rule: "a whole number of seconds since 1970-01-01", value: text)
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}
