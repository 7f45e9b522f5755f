/// `--shard I/N`: the share of the tutorials one machine of a CI matrix verifies.
///
/// A tutorial belongs to shard `hash(path) mod N + 1`, where the hash is FNV-1a (64 bit) of the
/// path as written (without a leading `./`): the same path lands in the same shard on every
/// machine and every run, the shards of one `N` are disjoint, and together they hold every path.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 1-based index of this shard.
    public let index: Int
    /// Number of shards.
    public let count: Int

    /// A shard; `index` must be in `1...count`.
    public init(index: Int, count: Int) throws {
        guard count >= 1, (1...count).contains(index) else {
            throw VerifyError.usage("--shard \(index)/\(count): the index must be between 1 and the shard count")
        }
        self.index = index
        self.count = count
    }

    /// Parses `I/N`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw VerifyError.usage("--shard takes I/N (for example 2/4), got \(text)")
        }
        try self.init(index: index, count: count)
    }

    /// `I/N`.
    public var description: String { "\(index)/\(count)" }

    /// The paths of `paths` that belong to this shard, in their given order.
    public func select(_ paths: [String]) -> [String] {
        paths.filter { Self.shardIndex(of: $0, count: count) == index }
    }

    /// The 1-based shard that `path` belongs to among `count` shards.
    public static func shardIndex(of path: String, count: Int) -> Int {
        Int(stableHash(normalized(path)) % UInt64(count)) + 1
    }

    /// The path as hashed: without leading `./`.
    static func normalized(_ path: String) -> String {
        var path = Substring(path)
        while path.hasPrefix("./") { path = path.dropFirst(2) }
        return String(path)
    }

    /// FNV-1a, 64 bit, over the UTF-8 bytes: stable across processes and platforms (unlike `Hasher`).
    static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
