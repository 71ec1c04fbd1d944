/// A 32-bit TCP sequence number with the wrapping comparisons of RFC 9293 §3.4 (Linux: before()/after()).
public struct SeqNum: Hashable, Sendable, CustomStringConvertible {
    public var raw: UInt32
    public init(_ raw: UInt32) { self.raw = raw }
    public static func + (a: SeqNum, n: Int) -> SeqNum { SeqNum(a.raw &+ UInt32(truncatingIfNeeded: n)) }
    public static func - (a: SeqNum, n: Int) -> SeqNum { SeqNum(a.raw &- UInt32(truncatingIfNeeded: n)) }
    /// The signed distance a − b, valid when the two are within 2^31 of each other.
    public static func - (a: SeqNum, b: SeqNum) -> Int { Int(Int32(bitPattern: a.raw &- b.raw)) }
    public static func += (a: inout SeqNum, n: Int) { a = a + n }
    /// Linux before(a, b): a < b in sequence space.
    public static func < (a: SeqNum, b: SeqNum) -> Bool { Int32(bitPattern: a.raw &- b.raw) < 0 }
    public static func <= (a: SeqNum, b: SeqNum) -> Bool { Int32(bitPattern: a.raw &- b.raw) <= 0 }
    public static func > (a: SeqNum, b: SeqNum) -> Bool { b < a }
    public static func >= (a: SeqNum, b: SeqNum) -> Bool { b <= a }
    public static func max(_ a: SeqNum, _ b: SeqNum) -> SeqNum { a > b ? a : b }
    public static func min(_ a: SeqNum, _ b: SeqNum) -> SeqNum { a < b ? a : b }
    public var description: String { String(raw) }
}
