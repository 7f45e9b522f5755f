import Foundation
import Synchronization
import TutorSupport

/// One message the sandbox "sent": a one-time code to verify an email address at sign-up.
public struct SandboxMailMessage: Codable, Sendable, Equatable {
    /// The address it went to.
    public var to: String
    /// The subject line.
    public var subject: String
    /// The one-time code it carries.
    public var code: String
    /// When it was sent.
    public var sentAt: Date

    public init(to: String, subject: String, code: String, sentAt: Date) {
        self.to = to
        self.subject = subject
        self.code = code
        self.sentAt = sentAt
    }
}

/// The sandbox's outgoing mail, kept instead of delivered: a real tenant emails the code, the
/// sandbox stores it where `tutor sandbox mail` (or a test) reads it.
///
/// With a file (`mail.json` in the home, 0600) every message is written through at once, newest
/// first, so another process sees it; at most `capacity` messages are kept.
public final class SandboxMailbox: Sendable {
    /// Where the messages are kept; nil keeps them in memory only.
    public let file: URL?
    /// Told of each message sent (the address and subject, never the code), e.g. the server log.
    let onSend: (@Sendable (SandboxMailMessage) -> Void)?
    private let messagesValue: Mutex<[SandboxMailMessage]>

    /// The most messages kept; older ones are dropped.
    public static let capacity = 500

    /// A mailbox writing through to `file` (reading what it already holds), or in memory.
    public init(file: URL? = nil, onSend: (@Sendable (SandboxMailMessage) -> Void)? = nil) throws {
        self.file = file
        self.onSend = onSend
        self.messagesValue = Mutex(try file.map(Self.read(file:)) ?? [])
    }

    /// The messages in `file`, newest first; none when it does not exist.
    public static func read(file: URL) throws -> [SandboxMailMessage] {
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        do {
            return try decoder.decode([SandboxMailMessage].self, from: Data(contentsOf: file))
        } catch {
            throw SandboxError.corruptFile(path: file.path, reason: "\(error)")
        }
    }

    /// Records `message` (and writes the file) before telling `onSend`.
    public func send(_ message: SandboxMailMessage) throws {
        try messagesValue.withLock { messages in
            var updated = [message] + messages
            if updated.count > Self.capacity { updated.removeLast(updated.count - Self.capacity) }
            if let file { try AtomicFile.write(try Self.encoder.encode(updated), to: file, permissions: 0o600) }
            messages = updated
        }
        onSend?(message)
    }

    /// The messages, newest first; only those to `address` (case ignored) when given.
    public func messages(to address: String? = nil) -> [SandboxMailMessage] {
        messagesValue.withLock { Self.filter($0, to: address) }
    }

    /// `messages` to `address` (case and surrounding spaces ignored), all when nil.
    public static func filter(_ messages: [SandboxMailMessage], to address: String?) -> [SandboxMailMessage] {
        guard let wanted = address?.trimmingCharacters(in: .whitespaces).lowercased() else { return messages }
        return messages.filter { $0.to.lowercased() == wanted }
    }

    /// `messages` as `tutor sandbox mail --json` prints them: an array of `to`, `subject`,
    /// `code` and `sentAt` (ISO 8601, UTC).
    public static func jsonText(_ messages: [SandboxMailMessage]) -> String {
        JSONValue.array(
            messages.map { message in
                .object([
                    .init("to", .string(message.to)), .init("subject", .string(message.subject)),
                    .init("code", .string(message.code)), .init("sentAt", .string(timestamp(message.sentAt))),
                ])
            }
        ).serialized(pretty: true)
    }

    /// `messages` as lines for a person: time, address, code, subject.
    public static func text(_ messages: [SandboxMailMessage]) -> String {
        messages.map { "\(timestamp($0.sentAt))  \($0.to)  \($0.code)  \($0.subject)" }.joined(separator: "\n")
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
