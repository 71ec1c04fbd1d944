import JSONCore

extension Scenario {
    /// The normalized scenario as JSON: every default spelled out, times in seconds. Parsing this
    /// JSON gives the same scenario back.
    public var json: JSON {
        .object([
            ("name", .string(name)),
            ("seed", .int(Int64(seed))),
            ("duration", .double(duration.seconds)),
            ("hosts", .array(hosts.map { h in
                var m: [(String, JSON)] = [("name", .string(h.name)), ("ip", .string(h.ip.description))]
                if !h.sysctls.isEmpty { m.append(("sysctls", .object(h.sysctls.map { ($0.0, $0.1.json) }))) }
                if h.uptime > .zero { m.append(("uptime", .double(h.uptime.seconds))) }
                return .object(m)
            })),
            ("links", .array(links.map(\.json))),
            ("steps", .array(steps.map(\.json))),
        ] + (faults.isEmpty ? [] : [("faults", .array(faults.map(\.json)))])
          + (rules.isEmpty ? [] : [("rules", .array(rules.map(\.json)))])
          + (nats.isEmpty ? [] : [("nat", .array(nats.map { .object([("public", .string($0.publicIP.description)), ("inside", .array($0.inside.map(JSON.string)))]) }))]))
    }
}

extension LinkSpec {
    public var json: JSON {
        var m: [(String, JSON)] = [("between", .array([.string(a), .string(b)])), ("delay", .double(delay.seconds))]
        if let rate { m.append(("rate", .int(rate))) }
        if rate != nil || queue != 1000 { m.append(("queue", .int(Int64(queue)))) }
        if loss > 0 { m.append(("loss", .double(loss))) }
        if duplicate > 0 { m.append(("duplicate", .double(duplicate))) }
        if reorder > 0 { m.append(("reorder", .double(reorder))); m.append(("reorder_delay", .double(reorderDelay.seconds))) }
        if jitter > .zero { m.append(("jitter", .double(jitter.seconds))) }
        if mtu != 1500 { m.append(("mtu", .int(Int64(mtu)))) }
        return .object(m)
    }
}

extension FaultStep {
    public var json: JSON {
        var m: [(String, JSON)] = [("at", .double(at.seconds)), ("fault", .string(fault.name))]
        switch fault {
        case let .crash(h), let .powerOff(h), let .boot(h): m.append(("host", .string(h)))
        case let .unplug(a, b), let .replug(a, b): m.append(("between", .array([.string(a), .string(b)])))
        case let .partition(groups): m.append(("groups", .array(groups.map { .array($0.map(JSON.string)) })))
        case .heal: break
        case let .inject(i):
            if let like = i.like { m.append(("like", .string(like))) }
            if let s = i.src { m.append(("src", .string(s.description))) }
            if let d = i.dst { m.append(("dst", .string(d.description))) }
            m.append(("flags", .array(i.flags.names.map(JSON.string))))
            m.append(("seq", i.seq.json))
            m.append(("ack", i.ack.json))
            m.append(("window", .int(Int64(i.window))))
            if !i.data.isEmpty { m.append(("data", .string(i.data))) }
            if i.delay > .zero { m.append(("delay", .double(i.delay.seconds))) }
        }
        return .object(m)
    }
}

extension SeqExpr {
    public var json: JSON {
        if case let .value(v) = self { return .int(Int64(v)) }
        return .string(description)
    }
}

extension NetRule {
    public var json: JSON {
        var m: [(String, JSON)] = []
        if let from { m.append(("from", .string(from))) }
        if let to { m.append(("to", .string(to))) }
        if !flags.isEmpty { m.append(("flags", .array(flags.names.map(JSON.string)))) }
        if dataOnly { m.append(("data", .bool(true))) }
        if let nth { m.append(("nth", .int(Int64(nth)))) }
        switch action {
        case .drop: m.append(("action", .string("drop")))
        case .duplicate: m.append(("action", .string("duplicate")))
        case let .delay(t): m.append(("action", .string("delay"))); m.append(("by", .double(t.seconds)))
        }
        return .object(m)
    }
}

extension SysctlValue {
    public var json: JSON {
        switch self {
        case let .int(v): return .int(Int64(v))
        case let .triple(v): return .array(v.map { .int(Int64($0)) })
        case let .string(v): return .string(v)
        }
    }
}

extension Sysctls {
    /// Every modelled sysctl with its value.
    public var json: JSON { .object(Sysctls.all.map { ($0.name, $0.get(self).json) }) }
}

extension Step {
    public var json: JSON {
        var m: [(String, JSON)] = [("at", .double(at.seconds)), ("host", .string(host)), ("socket", .string(socket)), ("call", .string(call.name))]
        switch call {
        case .socket, .close: break
        case let .bind(ip, port):
            if let ip { m.append(("ip", .string(ip.description))) }
            m.append(("port", .int(Int64(port))))
        case let .listen(b): m.append(("backlog", .int(Int64(b))))
        case let .connect(t):
            m.append(("to", .string(t.description)))
            if let isn = t.isn { m.append(("isn", isn.json)) }
        case let .accept(label): m.append(("as", .string(label)))
        case let .write(d):
            switch d {
            case let .text(t): m.append(("data", .string(t)))
            case let .bytes(n): m.append(("bytes", .int(Int64(n))))
            }
        case let .read(max, untilEOF):
            if !untilEOF || max != 65536 { m.append(("max", .int(Int64(max)))) }
            if untilEOF { m.append(("until", .string("eof"))) }
        case let .shutdown(how): m.append(("how", .string(how.rawValue)))
        case let .setsockopt(o, v): m.append(("option", .string(o.rawValue))); m.append(("value", .int(Int64(v))))
        case let .fcntl(nb): m.append(("nonblocking", .bool(nb)))
        case let .getsockopt(o): m.append(("option", .string(o)))
        }
        return .object(m)
    }
}
