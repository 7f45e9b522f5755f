import TutorHTTP
import TutorRunner
import TutorSupport

/// A libcurl client for `connection` (its CA files trusted), tagged with tutor's version; a
/// client that cannot be made is a usage error (a CA file that cannot be read, say), unless libcurl
/// itself is missing (69).
func makeHTTPClient(for connection: TenantConnection) throws -> CurlHTTPClient {
    do {
        return try CurlHTTPClient(
            configuration: .init(userAgent: "tutor/\(Tutor.version)", extraCAFiles: connection.caFiles))
    } catch let missing as MissingLibrary {
        throw missing
    } catch {
        throw RunnerError.usage("\(error)")
    }
}
