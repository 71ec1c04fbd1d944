// A sans-IO HTTP/1.1 request parser: bytes in, events out (RFC 9112).
// The shape follows h11: `receive(_:)` only buffers; `nextEvent()` returns a head, body bytes,
// the end of a message, or `.needData`; an error carries the status to answer with.

/// Parses a stream of pipelined requests. It never reads a socket or a clock: the caller feeds
/// whatever bytes arrived, in pieces of any size, and pulls events until `.needData`.
///
/// ```swift
/// var parser = RequestParser()
/// parser.receive(bytes)
/// while true {
///     switch try parser.nextEvent() {
///     case .head(let head): …
///     case .body(let bytes): …
///     case .end: …           // the next call starts on the next pipelined request
///     case .needData: return // feed more bytes
///     }
/// }
/// ```
/// After an error every later call throws the same error: the framing is lost, and so is the
/// connection (RFC 9112 §6.3).
public struct RequestParser: Sendable {
    /// Sizes the parser refuses to exceed. A slow peer is the connection's business (timeouts);
    /// a large one is the parser's.
    public struct Limits: Hashable, Sendable {
        /// Request line plus header section, in bytes (431 beyond). nginx's default buffers hold
        /// 8 KiB per line; Go allows 1 MiB in all. 16 KiB fits every browser's request.
        public var maxHeadBytes: Int
        /// Header field lines (431 beyond).
        public var maxHeaderCount: Int
        /// Decoded body bytes (413 beyond).
        public var maxBodyBytes: Int

        public init(maxHeadBytes: Int = 16 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 1024 * 1024) {
            self.maxHeadBytes = maxHeadBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
        }
    }

    public enum Event: Hashable, Sendable {
        /// The request line and header fields of the next request.
        case head(HTTPRequestHead)
        /// Some decoded body bytes (never empty).
        case body([UInt8])
        /// The current request is complete.
        case end
        /// Nothing more can be said until more bytes arrive.
        case needData
    }

    enum State: Hashable, Sendable {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataCRLF
        case trailers
        case endOfMessage
        case failed(HTTPParseError)
    }

    public let limits: Limits
    var state = State.head
    /// Received bytes; everything before `start` has been consumed.
    var buffer: [UInt8] = []
    var start = 0
    /// How far past `start` the search for a line end (or the end of the head) has looked, so
    /// feeding one byte at a time stays linear.
    var scanned = 0
    /// Within the head: where the line being scanned begins, relative to `start`.
    var headLineStart = 0
    /// Empty lines skipped before a request line (RFC 9112 §2.2), counted against the head limit.
    var skippedBeforeHead = 0
    /// Body bytes of the current chunked request, and trailer bytes, for the limits.
    var chunkedBodyBytes = 0
    var trailerBytes = 0

    public init(limits: Limits = Limits()) { self.limits = limits }

    // MARK: Input

    /// Buffers bytes. Nothing is parsed until `nextEvent()`.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func receive<S: Sequence<UInt8>>(_ bytes: S) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received and not yet turned into events (a pipelined request, say).
    public var bufferedByteCount: Int { buffer.count - start }

    /// True between messages: no byte of a next request has been received.
    public var isIdle: Bool {
        if case .head = state { return bufferedByteCount == 0 && skippedBeforeHead == 0 }
        return false
    }

    /// Drops consumed bytes; frees the buffer entirely when everything was consumed, so an idle
    /// keep-alive connection holds no buffer at all.
    mutating func compact() {
        if start == buffer.count {
            if !buffer.isEmpty { buffer = []; start = 0 }
        } else if start >= 4096 && start * 2 >= buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }

    // MARK: Events

    public mutating func nextEvent() throws(HTTPParseError) -> Event {
        do {
            let event = try step()
            if start == buffer.count && !buffer.isEmpty { buffer = []; start = 0 }
            return event
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step() throws(HTTPParseError) -> Event {
        while true {
            switch state {
            case let .failed(error):
                throw error

            case .head:
                guard let head = try parseHead() else { return .needData }
                return .head(head)

            case let .fixedBody(remaining):
                let n = min(remaining, bufferedByteCount)
                if n == 0 { return .needData }
                state = n == remaining ? .endOfMessage : .fixedBody(remaining: remaining - n)
                return .body(take(n))

            case .endOfMessage:
                state = .head
                chunkedBodyBytes = 0
                trailerBytes = 0
                return .end

            case .chunkSize:
                guard let line = try nextLine(maxLength: Self.maxChunkLine, error: .invalidChunkSize) else {
                    return .needData
                }
                let size = try parseChunkSize(line)
                if size == 0 {
                    state = .trailers
                } else {
                    // RFC 9112 §7.1: the body is the sum of the chunks; it is limited as a whole.
                    if size > limits.maxBodyBytes - chunkedBodyBytes { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
                    chunkedBodyBytes += size
                    state = .chunkData(remaining: size)
                }

            case let .chunkData(remaining):
                let n = min(remaining, bufferedByteCount)
                if n == 0 { return .needData }
                state = n == remaining ? .chunkDataCRLF : .chunkData(remaining: remaining - n)
                return .body(take(n))

            case .chunkDataCRLF:
                // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
                guard bufferedByteCount > 0 else { return .needData }
                if buffer[start] == LF {
                    start += 1  // a bare LF ends a line too (RFC 9112 §2.2)
                } else if buffer[start] == CR {
                    guard bufferedByteCount > 1 else { return .needData }
                    if buffer[start + 1] != LF { throw .invalidChunkTerminator }
                    start += 2
                } else {
                    throw .invalidChunkTerminator
                }
                state = .chunkSize

            case .trailers:
                // RFC 9112 §7.1.2: trailer fields are read and discarded (RFC 9110 §6.5.1 allows it),
                // but they count against the head limit.
                guard let line = try nextLine(maxLength: limits.maxHeadBytes, error: .headTooLarge(limit: limits.maxHeadBytes)) else {
                    return .needData
                }
                trailerBytes += line.count + 2
                if trailerBytes > limits.maxHeadBytes { throw .headTooLarge(limit: limits.maxHeadBytes) }
                if line.isEmpty { state = .endOfMessage }
            }
        }
    }

    /// The longest chunk-size line accepted, extensions included: RFC 9112 §7.1.1 lets a server
    /// limit the length of extensions it ignores.
    static let maxChunkLine = 4096

    // MARK: Byte helpers

    /// Removes and returns the next `n` buffered bytes.
    mutating func take(_ n: Int) -> [UInt8] {
        let bytes = Array(buffer[start..<(start + n)])
        start += n
        return bytes
    }

    /// The next line, without its CRLF (or bare LF, RFC 9112 §2.2), consumed; nil if incomplete.
    mutating func nextLine(maxLength: Int, error: HTTPParseError) throws(HTTPParseError) -> ArraySlice<UInt8>? {
        var i = start + scanned
        while i < buffer.count {
            if buffer[i] == LF {
                var end = i
                if end > start && buffer[end - 1] == CR { end -= 1 }
                let line = buffer[start..<end]
                if line.contains(CR) { throw .bareCarriageReturn }
                if line.count > maxLength { throw error }
                start = i + 1
                scanned = 0
                return line
            }
            i += 1
        }
        scanned = i - start
        if scanned > maxLength + 1 { throw error }
        return nil
    }

    /// chunk-size = 1*HEXDIG, then optional chunk extensions, which are ignored (RFC 9112 §7.1.1).
    func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        var size = 0
        var digits = 0
        var i = line.startIndex
        while i < line.endIndex, let v = hexValue(line[i]) {
            let (shifted, overflow) = size.multipliedReportingOverflow(by: 16)
            if overflow { throw .invalidChunkSize }
            size = shifted + v
            digits += 1
            i += 1
        }
        if digits == 0 { throw .invalidChunkSize }
        // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
        while i < line.endIndex, line[i] == SP || line[i] == HTAB { i += 1 }
        if i < line.endIndex {
            if line[i] != UInt8(ascii: ";") { throw .invalidChunkSize }
            for b in line[i...] where isControl(b) && b != HTAB { throw .invalidChunkSize }
        }
        return size
    }
}

// MARK: Byte classes

let CR: UInt8 = 0x0D
let LF: UInt8 = 0x0A
let SP: UInt8 = 0x20
let HTAB: UInt8 = 0x09

/// tchar (RFC 9110 §5.6.2): "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
/// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
@inline(__always)
func isTokenChar(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
        UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
        UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default:
        return false
    }
}

/// CTL: 0x00–0x1F and DEL.
@inline(__always)
func isControl(_ b: UInt8) -> Bool { b < 0x20 || b == 0x7F }

@inline(__always)
func hexValue(_ b: UInt8) -> Int? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(b - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(b - UInt8(ascii: "A") + 10)
    default: return nil
    }
}
