// The packetdrill script grammar (packetdrill's lexer.l / parser.y, for the TCP subset tcplab
// models): timing forms, socket calls with expected results, segments in tcpdump notation, and
// backquoted commands. Constructs outside the subset are reported with their line, never skipped.

import TCPSim

public enum ScriptParser {
    /// Parses a script. Throws the first problem (syntax or unsupported) by line; `problems(in:)`
    /// lists them all.
    public static func parse(_ text: String) throws(PDProblem) -> PDScript {
        let (script, problems) = parseAll(text)
        if let first = problems.first { throw first }
        return script
    }

    /// Every problem in the script, in line order.
    public static func problems(in text: String) -> [PDProblem] { parseAll(text).1 }

    static func parseAll(_ text: String) -> (PDScript, [PDProblem]) {
        var script = PDScript()
        var problems: [PDProblem] = []
        for chunk in logicalLines(stripComments(text)) {
            let t = chunk.text
            do {
                if t.hasPrefix("--") {
                    let body = t.dropFirst(2)
                    let parts = body.split(separator: "=", maxSplits: 1)
                    script.options.append((String(parts[0]).trimmed, parts.count > 1 ? String(parts[1]).trimmed : "", chunk.line))
                } else if t.hasPrefix("%{") {
                    script.events.append(PDEvent(line: chunk.line, time: PDTime(kind: .relative, start: 0), kind: .code(t), text: t))
                } else {
                    script.events.append(try event(t, line: chunk.line))
                }
            } catch let p as PDProblem {
                problems.append(p)
            } catch {}
        }
        return (script, problems)
    }

    // MARK: Lines

    /// Removes `// …` and `/* … */` comments (outside strings and backquotes), keeping newlines so
    /// line numbers stay right.
    static func stripComments(_ text: String) -> [Character] {
        let c = Array(text)
        var out: [Character] = []
        out.reserveCapacity(c.count)
        var i = 0
        var inString = false, inCommand = false
        while i < c.count {
            let ch = c[i]
            if inString || inCommand {
                if inString && ch == "\"" { inString = false }
                if inCommand && ch == "`" { inCommand = false }
                out.append(ch)
                i += 1
                continue
            }
            if ch == "/", i + 1 < c.count, c[i + 1] == "/" {
                while i < c.count, c[i] != "\n" { i += 1 }
                continue
            }
            if ch == "/", i + 1 < c.count, c[i + 1] == "*" {
                i += 2
                while i < c.count, !(c[i] == "*" && i + 1 < c.count && c[i + 1] == "/") {
                    if c[i] == "\n" { out.append("\n") }
                    i += 1
                }
                i += 2
                continue
            }
            if ch == "\"" { inString = true }
            if ch == "`" { inCommand = true }
            out.append(ch)
            i += 1
        }
        return out
    }

    /// Events may span lines while brackets or a backquote are open; an inline-code block runs to `}%`.
    static func logicalLines(_ chars: [Character]) -> [(text: String, line: Int)] {
        var result: [(String, Int)] = []
        var current = "", startLine = 0, line = 1
        var depth = 0, inCommand = false, inString = false, inCode = false
        func flush() {
            let t = current.trimmed
            if !t.isEmpty { result.append((t, startLine)) }
            current = ""
        }
        var i = 0
        while i < chars.count {
            let ch = chars[i]
            if current.allSatisfy(\.isWhitespace) { startLine = line }
            if inCode {
                current.append(ch)
                if ch == "}", i + 1 < chars.count, chars[i + 1] == "%" { current.append("%"); i += 1; inCode = false; flush() }
            } else if ch == "\n" && depth <= 0 && !inCommand && !inString {
                flush()
                depth = 0
            } else {
                if ch == "%", i + 1 < chars.count, chars[i + 1] == "{", !inString, !inCommand { inCode = true }
                if !inCommand && ch == "\"" { inString.toggle() }
                if !inString && ch == "`" { inCommand.toggle() }
                if !inString && !inCommand {
                    if "([{".contains(ch) { depth += 1 }
                    if ")]}".contains(ch) { depth -= 1 }
                    // `<` opens an option list only after a segment's fields, never as the direction.
                }
                current.append(ch == "\n" && !inCommand ? " " : ch)
            }
            if ch == "\n" { line += 1 }
            i += 1
        }
        flush()
        return result
    }

    // MARK: Events

    static func event(_ text: String, line: Int) throws(PDProblem) -> PDEvent {
        var s = Scanner(text, line: line)
        // A command may stand without a time: it runs before the script starts.
        let time = text.hasPrefix("`") ? PDTime(kind: .absolute, start: 0) : try s.time()
        s.skipSpaces()
        let kind: PDEvent.Kind
        if s.rest.hasPrefix("%{") {
            return PDEvent(line: line, time: time, kind: .code(s.rest), text: text)
        }
        switch s.peek {
        case "<", ">":
            let inbound = s.next() == "<"
            if time.blockingEnd != nil { throw s.syntax("`...` is only for system calls") }
            kind = .packet(try packet(&s, inbound: inbound))
        case "`":
            s.index += 1
            let body = s.take(while: { $0 != "`" })
            guard s.next() == "`" else { throw s.syntax("unterminated backquoted command") }
            kind = .command(body.trimmed)
        default:
            kind = .syscall(try syscall(&s))
        }
        s.skipSpaces()
        if !s.atEnd { throw s.syntax("unexpected \"\(s.rest)\"") }
        return PDEvent(line: line, time: time, kind: kind, text: text)
    }

    static func packet(_ s: inout Scanner, inbound: Bool) throws(PDProblem) -> PDPacket {
        s.skipSpaces()
        if s.peek == "[" || s.peek == "(" {
            throw PDProblem(.unsupported, line: s.line, "IP-level packet annotations (\(s.rest.prefix(12))…) such as ECN codepoints or TOS are not modelled")
        }
        // Explicit ports: `12345>8080`.
        var ports: (UInt16, UInt16)? = nil
        let mark = s.index
        if let src = s.unsigned(), s.next() == ">", let dst = s.unsigned() {
            guard src <= 65535, dst <= 65535 else { throw s.syntax("ports are 0…65535") }
            ports = (UInt16(src), UInt16(dst))
            s.skipSpaces()
        } else {
            s.index = mark
        }
        // `-`: no flags at all.
        let flagsText = s.consume("-") ? "-" : s.word()
        if flagsText.isEmpty { throw s.syntax("expected TCP flags such as S, S., ., P., F., R") }
        var flags = TCPFlags()
        for ch in flagsText where flagsText != "-" {
            switch ch {
            case "S": flags.insert(.syn)
            case "F": flags.insert(.fin)
            case "R": flags.insert(.rst)
            case "P": flags.insert(.psh)
            case ".": flags.insert(.ack)
            case "E": flags.insert(.ece)
            case "W": flags.insert(.cwr)
            case "U": flags.insert(.urg)
            case "A", "e":
                throw PDProblem(.unsupported, line: s.line, "AccECN flags (\(flagsText)) are not modelled")
            default:
                if flagsText == "udp" || flagsText == "icmp" || flagsText == "gre" || flagsText == "mpls" {
                    throw PDProblem(.unsupported, line: s.line, "\(flagsText) packets are not modelled (TCP only)")
                }
                throw s.syntax("unknown TCP flag \"\(ch)\" in \"\(flagsText)\"")
            }
        }
        s.skipSpaces()
        // start:end(len)
        guard let start = s.unsigned() else { throw s.syntax("expected the sequence range start:end(len)") }
        guard s.next() == ":", let end = s.unsigned(), s.nextSkippingSpaces() == "(", let len = s.unsigned(), s.next() == ")" else {
            throw s.syntax("expected the sequence range start:end(len)")
        }
        if end &- start != len {
            throw s.syntax("inconsistent sequence range: \(start):\(end) is \(end &- start) bytes, not \(len)")
        }
        // An IPv4 packet carries at most 65,535 bytes; an expected segment may stand for a TSO burst
        // of several (aggregated), up to 1 MiB here.
        if len > (inbound ? 65_535 : 1 << 20) {
            throw s.syntax("a segment of \(len) bytes (at most \(inbound ? "65535 inbound" : "1 MiB outbound"))")
        }
        var p = PDPacket(inbound: inbound, ports: ports, flags: flags, flagsText: flagsText, seq: start, len: Int(len),
                         ack: nil, window: nil, options: [])
        while true {
            s.skipSpaces()
            if s.atEnd { break }
            if s.peek == "<" {
                p.options = try options(&s)
                continue
            }
            let key = s.word()
            s.skipSpaces()
            switch key {
            case "ack":
                guard let v = s.unsigned() else { throw s.syntax("expected a number after ack") }
                p.ack = v
            case "win":
                guard let v = s.unsigned(), v <= 65535 else { throw s.syntax("expected a window 0…65535 after win") }
                p.window = UInt16(v)
            case "urg":
                throw PDProblem(.unsupported, line: s.line, "urgent pointers are not modelled")
            default:
                throw PDProblem(.unsupported, line: s.line, "segment field \"\(key)\" is not modelled")
            }
        }
        if inbound && p.window == nil {
            throw s.syntax("an inbound segment needs a window (win N)")
        }
        return p
    }

    static func options(_ s: inout Scanner) throws(PDProblem) -> [PDOption]? {
        _ = s.next()   // <
        let body = s.take(while: { $0 != ">" })
        guard s.next() == ">" else { throw s.syntax("unterminated TCP option list") }
        if body.trimmed == "..." { return nil }
        var out: [PDOption] = []
        for raw in body.split(separator: ",") {
            let words = raw.split(separator: " ").map(String.init)
            guard let name = words.first else { throw s.syntax("empty TCP option") }
            func num(_ i: Int, max: UInt32 = .max) throws(PDProblem) -> UInt32 {
                guard i < words.count, let v = UInt32(words[i]), v <= max else { throw s.syntax("bad value in TCP option \"\(raw.trimmed)\"") }
                return v
            }
            switch name {
            case "nop": out.append(.nop)
            case "eol": out.append(.eol)
            case "sackOK": out.append(.sackOK)
            case "mss": out.append(.mss(UInt16(try num(1, max: 65535))))
            case "wscale": out.append(.wscale(UInt8(try num(1, max: 255))))
            case "TS":
                guard words.count == 5, words[1] == "val", words[3] == "ecr" else { throw s.syntax("expected TS val N ecr N") }
                out.append(.timestamp(val: try num(2), ecr: try num(4)))
            case "sack":
                var blocks: [(UInt32, UInt32)] = []
                for w in words.dropFirst() {
                    let lr = w.split(separator: ":")
                    guard lr.count == 2, let l = UInt32(lr[0]), let r = UInt32(lr[1]) else { throw s.syntax("bad SACK block \"\(w)\"") }
                    blocks.append((l, r))
                }
                out.append(.sack(blocks))
            default:
                throw PDProblem(.unsupported, line: s.line, "TCP option \"\(name)\" is not modelled (tcplab models mss, sackOK, sack, TS, wscale, nop, eol)")
            }
        }
        return out
    }

    static func syscall(_ s: inout Scanner) throws(PDProblem) -> PDSyscall {
        let name = s.word()
        guard !name.isEmpty, s.next() == "(" else { throw s.syntax("expected a system call, a segment (< or >) or a `command`") }
        var args: [PDExpr] = []
        s.skipSpaces()
        if s.peek != ")" {
            while true {
                args.append(try expr(&s))
                s.skipSpaces()
                let c = s.next()
                if c == ")" { break }
                if c != "," { throw s.syntax("expected , or ) in the arguments of \(name)()") }
            }
        } else {
            _ = s.next()
        }
        s.skipSpaces()
        guard s.next() == "=" else { throw s.syntax("expected = and the result of \(name)()") }
        s.skipSpaces()
        guard let result = s.integer() else { throw s.syntax("expected an integer result for \(name)()") }
        s.skipSpaces()
        var errno: String? = nil
        if s.peek == "(" { skipNote(&s) }   // `= 0x2 (flags O_RDWR)`: a note for the reader
        if let c = s.peek, c.isLetter {
            let e = s.word()
            guard e.hasPrefix("E") else { throw s.syntax("expected an errno name such as ECONNREFUSED, not \"\(e)\"") }
            errno = e
            s.skipSpaces()
            if s.peek == "(" { skipNote(&s) }   // the errno's text, for the reader
        }
        return PDSyscall(name: name, args: args, result: result, errno: errno)
    }

    static func skipNote(_ s: inout Scanner) {
        var depth = 0
        while let c = s.next() {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1; if depth == 0 { break } }
        }
        s.skipSpaces()
    }

    static func expr(_ s: inout Scanner, depth: Int = 0) throws(PDProblem) -> PDExpr {
        // Structures nest a few levels in real scripts; a bound keeps hostile input off the stack.
        guard depth < 16 else { throw s.syntax("arguments nested more than 16 levels deep") }
        s.skipSpaces()
        guard let c = s.peek else { throw s.syntax("expected an argument") }
        if s.consume("...") { return .ellipsis }
        if c == "[" {
            _ = s.next()
            var xs: [PDExpr] = []
            s.skipSpaces()
            if s.peek == "]" { _ = s.next(); return .list([]) }
            while true {
                xs.append(try expr(&s, depth: depth + 1))
                s.skipSpaces()
                let d = s.next()
                if d == "]" { break }
                if d != "," { throw s.syntax("expected , or ] in a list") }
            }
            return .list(xs)
        }
        if c == "{" {
            _ = s.next()
            var fields: [(String, PDExpr)] = []
            while true {
                s.skipSpaces()
                if s.peek == "}" { _ = s.next(); break }
                if s.atEnd { throw s.syntax("unterminated structure") }
                // `name=value`, `msg_name(...)=value`, or a bare value (`{..., 1000}`).
                let mark = s.index
                var k = s.word()
                if !k.isEmpty, s.peek == "(" {
                    let inner = s.index
                    skipNote(&s)
                    k += String(s.chars[inner..<s.index]).trimmed
                }
                s.skipSpaces()
                if !k.isEmpty, s.peek == "=" {
                    _ = s.next()
                    fields.append((k, try expr(&s, depth: depth + 1)))
                } else {
                    s.index = mark
                    fields.append(("", try expr(&s, depth: depth + 1)))
                }
                s.skipSpaces()
                if s.peek == "," { _ = s.next() }
            }
            return .record(fields)
        }
        if c == "\"" {
            _ = s.next()
            let body = s.take(while: { $0 != "\"" })
            _ = s.next()
            return .string(body)
        }
        if c == "-" || c.isNumber {
            guard let v = s.integer() else { throw s.syntax("bad number") }
            return .int(v)
        }
        var sym = s.word()
        while true {   // A|B|C
            s.skipSpaces()
            guard s.peek == "|" else { break }
            _ = s.next()
            s.skipSpaces()
            sym += "|" + s.word()
        }
        if sym.isEmpty { throw s.syntax("unexpected \"\(c)\" in arguments") }
        return .symbol(sym)
    }
}

/// A cursor over one event's text.
struct Scanner {
    let chars: [Character]
    var index = 0
    let line: Int

    init(_ text: String, line: Int) {
        chars = Array(text)
        self.line = line
    }

    var atEnd: Bool { index >= chars.count }
    var peek: Character? { atEnd ? nil : chars[index] }
    var rest: String { String(chars[min(index, chars.count)...]) }

    mutating func next() -> Character? {
        guard !atEnd else { return nil }
        defer { index += 1 }
        return chars[index]
    }

    mutating func skipSpaces() { while let c = peek, c.isWhitespace { index += 1 } }
    mutating func nextSkippingSpaces() -> Character? { skipSpaces(); return next() }

    mutating func take(while ok: (Character) -> Bool) -> String {
        let start = index
        while let c = peek, ok(c) { index += 1 }
        return String(chars[start..<index])
    }

    mutating func consume(_ s: String) -> Bool {
        let cs = Array(s)
        guard index + cs.count <= chars.count, Array(chars[index..<index + cs.count]) == cs else { return false }
        index += cs.count
        return true
    }

    /// Letters, digits, `_`, `.` and `-` after the first character (flags like `S.`, names like `SO_ERROR`).
    mutating func word() -> String {
        take(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
    }

    mutating func unsigned() -> UInt32? {
        let w = take(while: { $0.isNumber })
        return UInt32(w)
    }

    mutating func integer() -> Int64? {
        let start = index
        if peek == "-" { index += 1 }
        if consume("0x") || consume("0X") {
            let h = take(while: { $0.isHexDigit })
            guard let v = Int64(h, radix: 16) else { index = start; return nil }
            return chars[start] == "-" ? -v : v
        }
        let d = take(while: { $0.isNumber })
        guard let v = Int64(d) else { index = start; return nil }
        return chars[start] == "-" ? -v : v
    }

    /// Seconds with a fraction (`0`, `.1`, `1.000`), as microseconds.
    mutating func seconds() -> Int64? {
        var w = take(while: { $0.isNumber })
        // A fraction, but not the `...` of a blocking call.
        if peek == ".", index + 1 < chars.count, chars[index + 1] != "." {
            index += 1
            w += "." + take(while: { $0.isNumber })
        }
        guard !w.isEmpty, w != "." else { return nil }
        let parts = w.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts[0].isEmpty ? 0 : Int64(parts[0]) else { return nil }
        var frac: Int64 = 0
        if parts.count == 2 {
            let given = String(parts[1].prefix(6))
            let digits = given + String(repeating: "0", count: 6 - given.count)
            guard let f = Int64(digits) else { return nil }
            frac = f
        }
        // Scripts cover at most 100,000 s (the scenario bound); larger numbers are not times.
        guard whole <= 100_000 else { return nil }
        return whole * 1_000_000 + frac
    }

    /// `*`, `0.1`, `+0.1`, ranges `0.1~0.2` and `+0~+.04`, and a blocking call's `...0.5`.
    mutating func time() throws(PDProblem) -> PDTime {
        skipSpaces()
        if peek == "*" {
            index += 1
            return PDTime(kind: .any, start: 0)
        }
        let relative = consume("+")
        guard let start = seconds() else { throw syntax("expected a time (0.1, +0.1, * or a range) at the start of the event") }
        var t = PDTime(kind: relative ? .relative : .absolute, start: start)
        if consume("~") {
            let relEnd = consume("+")
            guard relEnd == relative, let end = seconds() else { throw syntax("a time range is absolute~absolute or +relative~+relative") }
            t.end = end
        }
        if consume("...") {
            guard let end = seconds() else { throw syntax("expected the end time after ...") }
            t.blockingEnd = end
        }
        return t
    }

    func syntax(_ message: String) -> PDProblem { PDProblem(.syntax, line: line, message) }
}

extension StringProtocol {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
