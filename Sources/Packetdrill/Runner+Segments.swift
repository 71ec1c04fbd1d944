// The segments of a script: inbound ones built and put on the wire, outbound ones matched against
// what the kernel sent (packetdrill's run_packet.c), and both written the way scripts write them.

import TCPSim

extension ScriptRun {
    // MARK: Inbound

    func inject(_ pk: PDPacket, event ev: PDEvent) {
        if pk.flags.contains(.syn) && !pk.flags.contains(.ack) && (listening || remotePort == 0) {
            // handle_listen_for_script_packet(): a new child with a fresh remote port.
            listening = false
            localPort = config.bindPort
            remotePort = nextEphemeral
            nextEphemeral &+= 1
            scriptLocalISN = 0
            liveLocalISN = 0
            tsValMap = [:]
            firstTS = nil
        }
        let ackOffset = liveLocalISN &- scriptLocalISN
        var o = TCPOptions()
        for opt in pk.options ?? [] {
            switch opt {
            case let .mss(v): o.mss = v
            case .sackOK: o.sackPermitted = true
            case let .wscale(v): o.windowScale = v
            case let .timestamp(val, ecr):
                var live = ecr
                if pk.flags.contains(.ack) {
                    if let mapped = tsValMap[ecr] { live = mapped } else if let f = firstTS { live = ecr &- f.script &+ f.live }
                }
                o.timestamp = (val, live)
            case let .sack(blocks):
                o.sack = blocks.map { SackBlock(SeqNum($0.0 &+ ackOffset), SeqNum($0.1 &+ ackOffset)) }
            case .nop, .eol:
                break
            }
        }
        // Explicit ports are used as written (map_inbound_packet() restores them); the connection
        // under test stays what it was.
        let seg = Segment(src: SocketAddress(config.remoteIP, pk.ports?.src ?? remotePort),
                          dst: SocketAddress(config.localIP, pk.ports?.dst ?? localPort),
                          seq: SeqNum(pk.seq), ack: SeqNum(pk.flags.contains(.ack) ? (pk.ack ?? 0) &+ ackOffset : 0),
                          flags: pk.flags, window: pk.window ?? 0, options: o,
                          payload: ArraySlice(repeating: UInt8(ascii: "x"), count: pk.len))
        sim.send(seg, from: remote)
        sim.annotateLast(lineNote(ev)) { if case .segment = $0.kind { return true }; return false }
    }

    func lineNote(_ ev: PDEvent) -> Note {
        Note(en: "packetdrill line \(ev.line): \(ev.text)", zh: "packetdrill 脚本第 \(ev.line) 行：\(ev.text)")
    }

    // MARK: Outbound

    /// The next segment the kernel sends on the connection under test, simulating until one comes.
    func nextOutbound(_ ev: PDEvent, expectedUs: Int64) throws -> TappedSegment {
        if outbound.isEmpty {
            let deadline = max(nowUs, expectedUs) + config.toleranceUs + config.waitUs
            try advance(to: deadline, untilSegment: true)
        }
        guard !outbound.isEmpty else {
            throw Mismatch(line: ev.line, message: "expected outbound packet at \(formatSeconds(expectedUs)) sec but the kernel sent nothing (simulated to \(formatSeconds(sim.currentTime.us)) sec)",
                           detail: ["script packet: \(formatSeconds(expectedUs)) \(describe(ev))"])
        }
        return outbound.removeFirst()
    }

    func expectOutbound(_ pk: PDPacket, event ev: PDEvent, startUs: Int64, endUs: Int64?) throws {
        var frags = [try nextOutbound(ev, expectedUs: startUs)]
        let first = frags[0].segment
        // The connection's numbers are learned from the kernel's SYN or SYN-ACK.
        if pk.flags.contains(.syn) && first.flags.contains(.syn) {
            scriptLocalISN = pk.seq
            liveLocalISN = first.seq.raw
            if connecting && !first.flags.contains(.ack) {
                localPort = first.src.port
                remotePort = first.dst.port
                connecting = false
            }
        }
        var total = first.len
        while total < pk.len && !config.strictSegments {
            let next = try nextOutbound(ev, expectedUs: startUs)
            let prev = frags[frags.count - 1].segment
            let n = next.segment
            let same: TCPFlags = [.syn, .rst, .ack, .urg, .ece]
            if n.flags.intersection(same) != prev.flags.intersection(same) || n.seq != prev.seq + prev.len
                || n.ack != prev.ack || n.window != prev.window
                || (total + n.len < pk.len && n.len != prev.len) {
                throw Mismatch(line: ev.line, message: "fragment payload: expected \(prev.len) bytes vs actual \(n.len) bytes; total payload: expected \(pk.len) bytes vs actual \(total + n.len) bytes",
                               detail: ["script packet: \(formatSeconds(startUs)) \(describe(ev))", "actual packet: \(formatSeconds(next.at.us)) \(describeActual(n))"])
            }
            frags.append(next)
            total += n.len
        }
        var actual = first
        actual.payload = ArraySlice(repeating: 0, count: total)
        for f in frags.dropFirst() { actual.flags.formUnion(f.segment.flags.intersection([.fin, .psh, .cwr])) }
        let at = frags[0].at.us
        nowUs = max(nowUs, frags[frags.count - 1].at.us)
        let detail = ["script packet: \(formatSeconds(startUs)) \(describe(ev))", "actual packet: \(formatSeconds(at)) \(describeActual(actual))"]
        func fail(_ m: String) -> Mismatch { Mismatch(line: ev.line, message: m, detail: detail) }

        if total != pk.len { throw fail("live packet payload: expected \(pk.len) bytes vs actual \(total) bytes") }
        let actualOptions = Self.linuxOptions(actual.options)
        if let want = pk.options, Self.length(want) != Self.length(actualOptions) {
            throw fail(field("tcp_data_offset", UInt32(5 + (Self.length(want) + 3) / 4), UInt32(5 + (Self.length(actualOptions) + 3) / 4)))
        }
        for (flag, name) in [(TCPFlags.fin, "tcp_fin"), (.syn, "tcp_syn"), (.rst, "tcp_rst"), (.psh, "tcp_psh"), (.ack, "tcp_ack"),
                             (.urg, "tcp_urg"), (.ece, "tcp_ece"), (.cwr, "tcp_cwr")] where pk.flags.contains(flag) != actual.flags.contains(flag) {
            throw fail(field(name, pk.flags.contains(flag) ? 1 : 0, actual.flags.contains(flag) ? 1 : 0))
        }
        let seq = actual.seq.raw &- liveLocalISN &+ scriptLocalISN
        if seq != pk.seq { throw fail(field("tcp_seq", pk.seq, seq)) }
        let ack = actual.flags.contains(.ack) ? actual.ack.raw : 0
        if (pk.ack ?? 0) != ack { throw fail(field("tcp_ack_seq", pk.ack ?? 0, ack)) }
        if let w = pk.window, w != actual.window { throw fail(field("tcp_window", UInt32(w), UInt32(actual.window))) }
        if let want = pk.options {
            if want.map(\.kind) != actualOptions.map(\.kind) { throw fail("bad outbound TCP options") }
            for (w, a) in zip(want, actualOptions) {
                switch (w, a) {
                case let (.timestamp(sv, _), .timestamp(av, _)):
                    if config.tsTickUs > 0, let f = firstTS {
                        let mapped = f.script &+ (av &- f.live)
                        if abs(Int64(Int32(bitPattern: mapped &- sv))) * config.tsTickUs > config.toleranceUs {
                            throw fail("bad outbound TCP timestamp value, tolerance \(config.toleranceUs)")
                        }
                    }
                case (.nop, _), (.eol, _):
                    break
                default:
                    if w != a { throw fail("bad value outbound TCP option \(w.kind)") }
                }
            }
        }
        // Remember script TS val → live TS val, for the ecr of later inbound segments.
        if case let .timestamp(sv, _)? = pk.options?.first(where: { $0.kind == 8 }), let av = actual.options.tsVal {
            tsValMap[sv] = av
            if firstTS == nil { firstTS = (sv, av) }
        }
        if let e = timingError("outbound packet", startUs: startUs, endUs: endUs, actualUs: at),
           ev.time.kind != .any {
            throw fail(e)
        }
        for f in frags { sim.annotateLast(lineNote(ev)) { if case let .segment(s) = $0.kind { return s.id == f.id }; return false } }
    }

    /// Linux's option layout (tcp_options_write()): MSS; SACK_PERM+TS or NOP,NOP,TS; NOP,NOP,SACK_PERM
    /// without TS; NOP,WSCALE; NOP,NOP,SACK blocks.
    static func linuxOptions(_ o: TCPOptions) -> [PDOption] {
        var out: [PDOption] = []
        if let m = o.mss { out.append(.mss(m)) }
        if let v = o.tsVal {
            out += o.sackPermitted ? [.sackOK, .timestamp(val: v, ecr: o.tsEcr)] : [.nop, .nop, .timestamp(val: v, ecr: o.tsEcr)]
        } else if o.sackPermitted {
            out += [.nop, .nop, .sackOK]
        }
        if let w = o.windowScale { out += [.nop, .wscale(w)] }
        if !o.sack.isEmpty { out += [.nop, .nop, .sack(o.sack.map { ($0.left.raw, $0.right.raw) })] }
        return out
    }

    /// Bytes the options take on the wire.
    static func length(_ opts: [PDOption]) -> Int {
        opts.reduce(0) { n, o in
            switch o {
            case .nop, .eol: return n + 1
            case .mss: return n + 4
            case .wscale: return n + 3
            case .sackOK: return n + 2
            case .timestamp: return n + 10
            case let .sack(b): return n + 2 + 8 * b.count
            }
        }
    }

    func field(_ name: String, _ expected: UInt32, _ actual: UInt32) -> String {
        "live packet field \(name): expected: \(expected) (0x\(String(expected, radix: 16))) vs actual: \(actual) (0x\(String(actual, radix: 16)))"
    }

    func describe(_ ev: PDEvent) -> String {
        guard case let .packet(pk) = ev.kind else { return ev.text }
        var s = "\(pk.flagsText) \(pk.seq):\(pk.seq &+ UInt32(pk.len))(\(pk.len))"
        if let a = pk.ack { s += " ack \(a)" }
        if let w = pk.window { s += " win \(w)" }
        s += pk.options.map { $0.isEmpty ? "" : " <" + $0.map(\.description).joined(separator: ",") + ">" } ?? " <...>"
        return s
    }

    /// An actual segment in script space, written the way the script writes segments.
    func describeActual(_ seg: Segment) -> String {
        var flags = ""
        for (f, c) in [(TCPFlags.syn, "S"), (.fin, "F"), (.rst, "R"), (.psh, "P"), (.ack, "."), (.ece, "E"), (.cwr, "W"), (.urg, "U")]
        where seg.flags.contains(f) { flags += c }
        let seq = seg.seq.raw &- liveLocalISN &+ scriptLocalISN
        var s = "\(flags) \(seq):\(seq &+ UInt32(seg.len))(\(seg.len))"
        if seg.flags.contains(.ack) { s += " ack \(seg.ack.raw)" }
        s += " win \(seg.window)"
        let o = Self.linuxOptions(seg.options)
        if !o.isEmpty { s += " <" + o.map(\.description).joined(separator: ",") + ">" }
        return s
    }
}
