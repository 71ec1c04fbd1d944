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
                return .object(m)
            })),
            ("links", .array(links.map { .object([("between", .array([.string($0.a), .string($0.b)])), ("delay", .double($0.delay.seconds))]) })),
            ("steps", .array(steps.map(\.json))),
        ])
    }
}

extension SysctlValue {
    public var json: JSON {
        switch self {
        case let .int(v): return .int(Int64(v))
        case let .triple(v): return .array(v.map { .int(Int64($0)) })
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
        case let .connect(t): m.append(("to", .string(t.description)))
        case let .accept(label): m.append(("as", .string(label)))
        case let .write(d):
            switch d {
            case let .text(t): m.append(("data", .string(t)))
            case let .bytes(n): m.append(("bytes", .int(Int64(n))))
            }
        case let .read(max, untilEOF):
            if untilEOF { m.append(("until", .string("eof"))) } else { m.append(("max", .int(Int64(max)))) }
        case let .shutdown(how): m.append(("how", .string(how.rawValue)))
        case let .setsockopt(o, v): m.append(("option", .string(o.rawValue))); m.append(("value", .int(Int64(v))))
        }
        return .object(m)
    }
}
