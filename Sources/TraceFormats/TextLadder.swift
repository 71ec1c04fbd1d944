import TCPSim

/// A ladder diagram for a terminal: one line per event, the first host's events on the left,
/// the second's on the right, segments as arrows between them with flags, seq, ack and length.
/// Scenarios with one host or more than two are printed as a list with the host named on each line.
public enum TextLadder {
    public enum Language: String, Sendable { case en, zh, none }

    public static func render(_ trace: Trace, notes: Language = .en, timers: Bool = false) -> String {
        let hostNames = trace.hosts.map(\.name)
        let twoColumn = hostNames.count == 2
        let side = 30, mid = 48
        var out: [String] = []
        out.append("tcplab · \(trace.scenario.name) · seed \(trace.scenario.seed) · duration \(trace.scenario.duration) · Linux 6.18 model")
        if twoColumn {
            let h = trace.hosts
            out.append(pad("", 11) + pad("\(h[0].name) \(h[0].ip)", side) + center("", mid) + "\(h[1].name) \(h[1].ip)")
            out.append(pad("", 11) + String(repeating: "─", count: side + mid + side))
        }
        // Pair call enters with returns at the same instant, so "bind(…) = 0" takes one line.
        var returnAt: [Int: TraceEvent] = [:]
        for e in trace.events {
            if case let .call(c) = e.kind, c.phase == .return { returnAt[c.step] = e }
        }
        var printedReturn = Set<Int>()

        func line(_ t: Instant, host: String?, _ text: String, note: Note?) {
            let time = pad(t.description, 10) + " "
            if twoColumn, let host {
                if host == hostNames[0] { out.append(time + text) } else { out.append(time + pad("", side + mid) + text) }
            } else if let host {
                out.append(time + "\(host): " + text)
            } else {
                out.append(time + text)
            }
            noteLine(note)
        }
        func noteLine(_ note: Note?) {
            guard let note, notes != .none else { return }
            out.append(pad("", 11) + "  ℹ " + (notes == .zh ? note.zh : note.en))
        }

        for e in trace.events {
            switch e.kind {
            case let .segment(s):
                let label = segmentLabel(s)
                let arrival = s.arrivesAt.map { "@\($0.description)" } ?? "✕ \(s.lossReason ?? "lost")"
                if twoColumn, let a = hostNames.firstIndex(of: s.from), let b = hostNames.firstIndex(of: s.to), a != b {
                    let body = a == 0 ? arrowRight(label, mid) : arrowLeft(label, mid)
                    let time = pad(e.t.description, 10) + " "
                    if a == 0 {
                        out.append(time + pad("", side) + body + " " + arrival)
                    } else {
                        out.append(time + pad("", side) + body + " " + arrival)
                    }
                    noteLine(e.note)
                } else {
                    line(e.t, host: s.from, "→ \(s.to) \(label) \(arrival)", note: e.note)
                }
            case let .state(host, socket, from, to):
                line(e.t, host: host, "\(socket): \(from.rawValue) → \(to.rawValue)", note: e.note)
            case let .call(c):
                if c.phase == .enter {
                    let args = argText(c)
                    if let r = returnAt[c.step], r.t == e.t, case let .call(rc) = r.kind {
                        printedReturn.insert(c.step)
                        line(e.t, host: c.host, "\(c.socket): \(c.call)(\(args)) = \(resultText(rc))", note: r.note)
                    } else {
                        line(e.t, host: c.host, "\(c.socket): \(c.call)(\(args)) … blocks", note: e.note)
                    }
                } else if !printedReturn.contains(c.step) {
                    line(e.t, host: c.host, "\(c.socket): \(c.call)() returns \(resultText(c))", note: e.note)
                }
            case let .drop(host, socket, seg, reason):
                line(e.t, host: host, "\(socket.map { "\($0): " } ?? "")drops [\(seg)] (\(reason.rawValue))", note: e.note)
            case let .timer(host, socket, timer, action, deadline):
                if action == .fire || (timers && action == .set) {
                    let when = deadline.map { " → \($0.description)" } ?? ""
                    line(e.t, host: host, "\(socket): \(timer.rawValue) timer \(action.rawValue)\(when)", note: e.note)
                }
            case let .queue(host, socket, syn, acc, backlog):
                line(e.t, host: host, "\(socket): SYN queue \(syn), accept queue \(acc) (backlog \(backlog))", note: e.note)
            case let .cc(host, socket, i):
                if timers {
                    line(e.t, host: host, "\(socket): cwnd \(i.cwnd) ssthresh \(i.ssthresh.map(String.init) ?? "∞") \(i.state.rawValue)", note: e.note)
                }
            case let .fault(kind, faultHosts, detail):
                let where_ = faultHosts.count == 1 ? faultHosts[0] : nil
                line(e.t, host: where_, "⚡ \(kind): \(detail)", note: e.note)
            }
        }
        if let t = trace.truncated { out.append("stopped early: \(t)") }
        out.append("end of run at \(trace.endTime)")
        return out.joined(separator: "\n") + "\n"
    }

    /// "[3] SYN|ACK seq=0 ack=1 len=0 win=65160".
    public static func segmentLabel(_ s: SegmentEvent) -> String {
        var t = "[\(s.id)] \(s.segment.flags) seq=\(s.relSeq)"
        if let a = s.relAck { t += " ack=\(a)" }
        t += " len=\(s.len) win=\(s.segment.window)"
        if s.retransmit { t += " (retransmit)" }
        if s.injected { t += " (forged)" }
        if s.duplicate { t += " (duplicate)" }
        return t
    }

    static func argText(_ c: CallEvent) -> String {
        c.args.map { k, v in
            switch v {
            case let .int(i): return k == "port" || k == "backlog" || k == "max" || k == "bytes" || k == "value" ? "\(i)" : "\(k)=\(i)"
            case let .string(s): return k == "data" ? "\"\(s.count > 24 ? String(s.prefix(24)) + "…" : s)\"" : s
            case let .bool(b): return "\(k)=\(b)"
            }
        }.joined(separator: ", ")
    }

    static func resultText(_ c: CallEvent) -> String {
        if let e = c.errno { return "-1 \(e.rawValue)" }
        var t: String
        switch c.result {
        case let .int(i)?: t = "\(i)"
        case let .string(s)?: t = s
        case let .bool(b)?: t = "\(b)"
        case nil: t = "?"
        }
        if let d = c.data { t += " \"\(d.count > 32 ? String(d.prefix(32)) + "…" : d)\"" }
        if let v = c.value {   // getsockopt(): what it read (SO_ERROR as an errno name)
            let errno = Errno.allCases.first { $0.linuxNumber == v && v != 0 }
            t += " → \(v)" + (errno.map { " \($0.rawValue)" } ?? "")
        }
        return t
    }

    static func arrowRight(_ label: String, _ width: Int) -> String {
        let body = "─ " + label + " "
        let fill = max(1, width - body.count - 1)
        return body + String(repeating: "─", count: fill) + "▶"
    }

    static func arrowLeft(_ label: String, _ width: Int) -> String {
        let body = " " + label + " ─"
        let fill = max(1, width - body.count - 1)
        return "◀" + String(repeating: "─", count: fill) + body
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
    static func center(_ s: String, _ n: Int) -> String { pad(s, n) }
}

/// `ss -tan`-style tables.
public enum SocketTableText {
    public static func render(_ snapshot: SocketSnapshot) -> String {
        var lines = ["sockets at t=\(snapshot.at)"]
        let header = ["Host", "Socket", "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port"]
        var rows = [header]
        for r in snapshot.rows {
            rows.append([r.host, r.socket, r.state.rawValue.replacingUnderscores, "\(r.recvQ)", "\(r.sendQ)", r.local, r.peer])
        }
        var widths = [Int](repeating: 0, count: header.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        for r in rows {
            let cells = r.enumerated().map { i, c in i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count) }
            lines.append(cells.joined(separator: "  "))
        }
        if snapshot.rows.isEmpty { lines.append("(no sockets)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// ss prints states with a dash: ESTAB, TIME-WAIT, SYN-SENT.
    var replacingUnderscores: String {
        self == "ESTABLISHED" ? "ESTAB" : String(map { $0 == "_" ? "-" : $0 })
    }
}
