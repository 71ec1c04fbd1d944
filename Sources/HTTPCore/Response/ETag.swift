// Entity tags and their comparison (RFC 9110 §8.8.3, §13.1.2).

/// Entity tags: making them and matching `If-None-Match` against them.
public enum ETag {
    /// A strong tag for a body: its length and 64-bit FNV-1a hash, `"3c-9f1e0d2a7b4c8e11"`.
    /// Two bodies with the same tag are, for any practical purpose, the same bytes, which is what
    /// "strong" promises (RFC 9110 §8.8.1).
    public static func strong(for body: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a offset basis
        for b in body {
            hash ^= UInt64(b)
            hash &*= 0x0000_0100_0000_01B3  // FNV prime
        }
        return "\"" + String(body.count, radix: 16) + "-" + String(hash, radix: 16) + "\""
    }

    /// The tag of another representation of the same resource: a content coding changes the
    /// bytes, so it must change a strong tag too (RFC 9110 §8.8.3). `"abc"` → `"abc-gzip"`.
    public static func variant(_ tag: String, suffix: String) -> String {
        guard tag.hasSuffix("\"") else { return tag }
        return String(tag.dropLast()) + "-" + suffix + "\""
    }

    /// RFC 9110 §13.1.2: If-None-Match is false (the client's copy is current) when the field is
    /// `*` or lists a tag that matches `current` by the weak comparison (§8.8.3.2: equal
    /// opaque-tags, whatever their `W/` prefixes).
    public static func ifNoneMatchMatches(_ field: String, current: String) -> Bool {
        let trimmed = field.trimmingOWS()
        if trimmed == "*" { return true }
        let currentOpaque = opaque(Substring(current))
        return tags(in: field).contains { opaque($0) == currentOpaque }
    }

    /// The entity tags of a list field. A tag may contain commas, so this reads quotes rather
    /// than splitting on commas: `entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE`.
    static func tags(in field: String) -> [Substring] {
        var result: [Substring] = []
        var rest = Substring(field)
        while true {
            while let c = rest.first, c == " " || c == "\t" || c == "," { rest.removeFirst() }
            if rest.isEmpty { return result }
            let tagStart = rest.startIndex
            if rest.hasPrefix("W/") { rest = rest.dropFirst(2) }
            guard rest.first == "\"" else { return result }  // malformed: stop reading
            rest = rest.dropFirst()
            guard let close = rest.firstIndex(of: "\"") else { return result }
            result.append(field[tagStart...close])
            rest = rest[rest.index(after: close)...]
        }
    }

    static func opaque(_ tag: Substring) -> Substring { tag.hasPrefix("W/") ? tag.dropFirst(2) : tag }
}
