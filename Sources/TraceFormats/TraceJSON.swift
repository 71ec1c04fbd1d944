import JSONCore
import TCPSim

/// The trace contract, version 1: one JSON object with the normalized scenario, the hosts with
/// their effective sysctls, and the events ordered by time. Documented in the README.
public enum TraceJSON {
    public static let schemaVersion: Int64 = 1

    /// The whole trace as a JSON value.
    public static func encode(_ trace: Trace) -> JSON {
        var members: [(String, JSON)] = [
            ("schemaVersion", .int(schemaVersion)),
            ("scenario", trace.scenario.json),
            ("hosts", .array(trace.hosts.map { .object([("name", .string($0.name)), ("ip", .string($0.ip.description)), ("sysctls", $0.sysctls.json)]) })),
            ("summary", summary(trace)),
            ("events", .array(trace.events.map(event))),
        ]
        if !trace.snapshots.isEmpty {
            members.append(("sockets", .array(trace.snapshots.map(snapshot))))
        }
        return .object(members)
    }

    /// Serialized bytes, the form the server stores and the CLI prints. Compact output is streamed
    /// event by event (the same bytes as `encode(trace)`, without building the whole tree in memory).
    /// `summary`, when the caller has already computed it, is not computed again (compact output).
    public static func bytes(_ trace: Trace, pretty: Bool = false, summary precomputed: JSON? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(trace.events.count * 220 + 4096)
        if pretty {
            encode(trace).write(into: &out, pretty: true)
            out.append(0x0A)
            return out
        }
        func member(_ name: String, _ value: JSON, first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            JSON.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            value.write(into: &out)
        }
        out.append(UInt8(ascii: "{"))
        member("schemaVersion", .int(schemaVersion), first: true)
        member("scenario", trace.scenario.json)
        member("hosts", .array(trace.hosts.map { .object([("name", .string($0.name)), ("ip", .string($0.ip.description)), ("sysctls", $0.sysctls.json)]) }))
        member("summary", precomputed ?? summary(trace))
        out.append(contentsOf: Array(",\"events\":[".utf8))
        for (i, e) in trace.events.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            event(e).write(into: &out)
        }
        out.append(UInt8(ascii: "]"))
        if !trace.snapshots.isEmpty { member("sockets", .array(trace.snapshots.map(snapshot))) }
        out.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
        return out
    }

    /// Counts of what happened, and how the run ended.
    public static func summary(_ trace: Trace) -> JSON {
        var calls = 0, errors = 0
        for e in trace.events {
            if case let .call(c) = e.kind, c.phase == .return {
                calls += 1
                if c.errno != nil { errors += 1 }
            }
        }
        let c = trace.counters
        var m: [(String, JSON)] = [
            ("endTime", .double(trace.endTime.seconds)),
            ("traceLevel", .string(trace.level.rawValue)),
            ("events", .int(Int64(trace.events.count))),
            ("segments", .int(Int64(c.segments))),
            ("lost", .int(Int64(c.lost))),
            ("retransmissions", .int(Int64(c.retransmissions))),
            ("drops", .int(Int64(c.drops))),
            ("calls", .int(Int64(calls))),
            ("callErrors", .int(Int64(errors))),
            ("bytesRead", .int(Int64(c.bytesRead))),
            ("goodputBitsPerSecond", c.goodput.map { .double(($0).rounded()) } ?? .null),
            ("srttMin", c.srttMin.map { .double($0.seconds) } ?? .null),
            ("srttMax", c.srttMax.map { .double($0.seconds) } ?? .null),
            ("outcome", .string(trace.truncated == nil ? "completed" : "truncated")),
        ]
        if let t = trace.truncated { m.append(("truncatedReason", .string(t))) }
        return .object(m)
    }

    static func note(_ n: Note?) -> [(String, JSON)] {
        guard let n else { return [] }
        return [("note", .object([("en", .string(n.en)), ("zh", .string(n.zh))]))]
    }

    public static func options(_ o: TCPOptions) -> JSON {
        var m: [(String, JSON)] = []
        if let mss = o.mss { m.append(("mss", .int(Int64(mss)))) }
        if o.sackPermitted { m.append(("sackOK", .bool(true))) }
        if let v = o.tsVal { m.append(("ts", .object([("val", .int(Int64(v))), ("ecr", .int(Int64(o.tsEcr)))]))) }
        if let ws = o.windowScale { m.append(("wscale", .int(Int64(ws)))) }
        if !o.sack.isEmpty { m.append(("sack", .array(o.sack.map { .array([.int(Int64($0.left.raw)), .int(Int64($0.right.raw))]) }))) }
        return .object(m)
    }

    static func value(_ v: CallValue) -> JSON {
        switch v {
        case let .int(i): return .int(Int64(i))
        case let .string(s): return .string(s)
        case let .bool(b): return .bool(b)
        }
    }

    public static func event(_ e: TraceEvent) -> JSON {
        var m: [(String, JSON)] = [("t", .double(e.t.seconds)), ("type", .string(e.typeName))]
        switch e.kind {
        case let .segment(s):
            let g = s.segment
            m += [
                ("id", .int(Int64(s.id))), ("from", .string(s.from)), ("to", .string(s.to)),
                ("src", .string(g.src.description)), ("dst", .string(g.dst.description)),
                ("flags", .array(g.flags.names.map { .string($0) })),
                ("seq", .int(s.relSeq)),
            ]
            if let a = s.relAck { m.append(("ack", .int(a))) }
            m += [("rawSeq", .int(Int64(g.seq.raw)))]
            if g.flags.contains(.ack) { m.append(("rawAck", .int(Int64(g.ack.raw)))) }
            m += [
                ("len", .int(Int64(s.len))), ("win", .int(Int64(g.window))), ("options", options(g.options)),
                ("arrivesAt", s.arrivesAt.map { .double($0.seconds) } ?? .null),
                ("fate", .string(s.fate.rawValue)),
            ]
            if s.retransmit { m.append(("retransmit", .bool(true))) }
            if let r = s.lossReason { m.append(("lossReason", .string(r))) }
            if s.injected { m.append(("injected", .bool(true))) }
            if s.duplicate { m.append(("duplicate", .bool(true))) }
            if s.len > 0, s.len <= 64, let text = String(validating: g.payload, as: UTF8.self) { m.append(("data", .string(text))) }
        case let .state(host, socket, from, to):
            m += [("host", .string(host)), ("socket", .string(socket)), ("from", .string(from.rawValue)), ("to", .string(to.rawValue))]
        case let .call(c):
            m += [("host", .string(c.host)), ("socket", .string(c.socket)), ("call", .string(c.call)), ("phase", .string(c.phase.rawValue)), ("step", .int(Int64(c.step)))]
            if c.phase == .enter, !c.args.isEmpty { m.append(("args", .object(c.args.map { ($0.0, value($0.1)) }))) }
            if c.phase == .return {
                if let err = c.errno {
                    m.append(("result", .int(-1)))
                    m.append(("errno", .string(err.rawValue)))
                } else if let r = c.result {
                    m.append(("result", value(r)))
                }
                if let d = c.data { m.append(("data", .string(d))) }
                if let v = c.value { m.append(("value", .int(Int64(v)))) }
            }
        case let .drop(host, socket, seg, reason):
            m += [("host", .string(host))]
            if let socket { m.append(("socket", .string(socket))) }
            m += [("segment", .int(Int64(seg))), ("reason", .string(reason.rawValue))]
        case let .timer(host, socket, timer, action, deadline):
            m += [("host", .string(host)), ("socket", .string(socket)), ("timer", .string(timer.rawValue)), ("action", .string(action.rawValue))]
            if let d = deadline { m.append(("expires", .double(d.seconds))) }
        case let .queue(host, socket, syn, acc, backlog):
            m += [("host", .string(host)), ("socket", .string(socket)), ("synQueue", .int(Int64(syn))), ("acceptQueue", .int(Int64(acc))), ("backlog", .int(Int64(backlog)))]
        case let .fault(kind, hosts, detail):
            m += [("fault", .string(kind)), ("hosts", .array(hosts.map(JSON.string))), ("detail", .string(detail))]
        case let .cc(host, socket, i):
            m += [("host", .string(host)), ("socket", .string(socket)), ("cwnd", .int(Int64(i.cwnd))),
                  ("ssthresh", i.ssthresh.map { .int(Int64($0)) } ?? .null), ("srtt", .double(i.srtt.seconds)),
                  ("rto", .double(i.rto.seconds)), ("inFlight", .int(Int64(i.inFlight))), ("peerWindow", .int(Int64(i.peerWindow))),
                  ("state", .string(i.state.rawValue)), ("mss", .int(Int64(i.mss)))]
        }
        m += note(e.note)
        return .object(m)
    }

    public static func snapshot(_ s: SocketSnapshot) -> JSON {
        .object([
            ("t", .double(s.at.seconds)),
            ("rows", .array(s.rows.map { r in
                .object([("host", .string(r.host)), ("socket", .string(r.socket)), ("state", .string(r.state.rawValue)),
                         ("recvQ", .int(Int64(r.recvQ))), ("sendQ", .int(Int64(r.sendQ))),
                         ("local", .string(r.local)), ("peer", .string(r.peer))])
            })),
        ])
    }
}
