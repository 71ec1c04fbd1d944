/// FNV-1a 64, the store's one hash: migration checksums, trace entity tags, delete-token digests.
/// Not cryptographic; each caller says why that is enough.
public enum FNV1a {
    /// The hash of `parts` fed in order, as 16 lower-case hex digits.
    public static func hex<S: Sequence>(_ parts: S...) -> String where S.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for b in part { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        let digits = String(h, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
