import JSONCore

/// A problem with a scenario, pointing at the offending field: `steps[3].call: unknown call "conect"`.
public struct ScenarioError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Every problem found in one scenario, all at once.
public struct ScenarioErrors: Error, Equatable, Sendable, CustomStringConvertible {
    public var errors: [ScenarioError]
    public init(errors: [ScenarioError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// The bounds a scenario must respect, so that one run cannot take unbounded memory or time.
public struct ScenarioLimits: Sendable, Equatable {
    public var maxHosts = 64
    public var maxLinks = 512
    public var maxSteps = 10_000
    public var maxDuration = TimeSpan.seconds(100_000)
    public var maxLinkDelay = TimeSpan.seconds(10)
    public var maxTextBytes = 65_536
    public var maxWriteBytes = 1_000_000_000
    public init() {}
}

/// Parses and validates scenario JSON into a `Scenario`.
public enum ScenarioParser {
    /// Parses JSON text. Throws `ScenarioErrors` listing every problem with its path.
    public static func parse(_ text: String, limits: ScenarioLimits = ScenarioLimits()) throws(ScenarioErrors) -> Scenario {
        let json: JSON
        do { json = try JSON.parse(text) } catch {
            throw ScenarioErrors(errors: [ScenarioError(path: "", message: "not valid JSON: \(error)")])
        }
        return try parse(json, limits: limits)
    }

    public static func parse(_ json: JSON, limits: ScenarioLimits = ScenarioLimits()) throws(ScenarioErrors) -> Scenario {
        var v = Validator(limits: limits)
        let s = v.scenario(json)
        if !v.errors.isEmpty { throw ScenarioErrors(errors: v.errors) }
        return s!
    }
}

struct Validator {
    let limits: ScenarioLimits
    var errors: [ScenarioError] = []

    mutating func err(_ path: String, _ msg: String) { errors.append(ScenarioError(path: path, message: msg)) }

    /// Reports members the object does not allow, with a suggestion.
    mutating func checkKeys(_ obj: [(String, JSON)], allowed: [String], path: String) {
        for (k, _) in obj where !allowed.contains(k) {
            err(join(path, k), "unknown field \"\(k)\"" + suggestion(k, allowed))
        }
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func scenario(_ json: JSON) -> Scenario? {
        guard let obj = json.objectValue else { err("", "a scenario must be a JSON object, got \(json.kindName)"); return nil }
        checkKeys(obj, allowed: ["name", "seed", "duration", "hosts", "links", "steps", "faults", "rules", "nat", "description"], path: "")
        let name = json["name"].map { string($0, "name") ?? "" } ?? "custom"
        var seed: UInt64 = 1
        if let s = json["seed"] {
            if let i = s.intValue, i >= 0 { seed = UInt64(i) } else { err("seed", "expected a non-negative integer, got \(s.kindName == "a number" ? "\(s.doubleValue!)" : s.kindName)") }
        }
        var duration = TimeSpan.seconds(60)
        if let d = json["duration"] {
            if let t = span(d, "duration") {
                if t.us <= 0 { err("duration", "must be more than 0 s") }
                else if t > limits.maxDuration { err("duration", "at most \(limits.maxDuration) of simulated time") }
                else { duration = t }
            }
        } else {
            err("duration", "missing: how many simulated seconds to run (for example \"duration\": \"70s\")")
        }
        var hosts: [HostSpec] = []
        if let h = json["hosts"] {
            if let arr = h.arrayValue {
                if arr.isEmpty { err("hosts", "at least one host is needed") }
                if arr.count > limits.maxHosts { err("hosts", "at most \(limits.maxHosts) hosts") }
                for (i, item) in arr.prefix(limits.maxHosts).enumerated() {
                    if let spec = host(item, "hosts[\(i)]") {
                        if hosts.contains(where: { $0.name == spec.name }) { err("hosts[\(i)].name", "duplicate host name \"\(spec.name)\"") }
                        else if hosts.contains(where: { $0.ip == spec.ip }) { err("hosts[\(i)].ip", "duplicate address \(spec.ip)") }
                        else { hosts.append(spec) }
                    }
                }
            } else { err("hosts", "expected an array of hosts, got \(h.kindName)") }
        } else { err("hosts", "missing: the hosts of the scenario") }
        let hostNames = hosts.map(\.name)
        var links: [LinkSpec] = []
        if let l = json["links"] {
            if let arr = l.arrayValue {
                if arr.count > limits.maxLinks { err("links", "at most \(limits.maxLinks) links") }
                for (i, item) in arr.prefix(limits.maxLinks).enumerated() {
                    if let link = link(item, "links[\(i)]", hostNames: hostNames) {
                        if links.contains(where: { Set([$0.a, $0.b]) == Set([link.a, link.b]) }) {
                            err("links[\(i)]", "a link between \(link.a) and \(link.b) is already defined")
                        } else { links.append(link) }
                    }
                }
            } else { err("links", "expected an array of links, got \(l.kindName)") }
        }
        var steps: [Step] = []
        if let s = json["steps"] {
            if let arr = s.arrayValue {
                if arr.count > limits.maxSteps { err("steps", "at most \(limits.maxSteps) steps") }
                for (i, item) in arr.prefix(limits.maxSteps).enumerated() {
                    if let st = step(item, "steps[\(i)]", hosts: hosts, duration: duration) { steps.append(st) } else {
                        steps.append(Step(at: .zero, host: "", socket: "", call: .socket))   // keep indices aligned
                    }
                }
                if errors.isEmpty { checkSocketLifetimes(steps) }
            } else { err("steps", "expected an array of steps, got \(s.kindName)") }
        }
        var faults: [FaultStep] = []
        if let f = json["faults"] {
            if let arr = f.arrayValue {
                if arr.count > limits.maxSteps { err("faults", "at most \(limits.maxSteps) faults") }
                for (i, item) in arr.prefix(limits.maxSteps).enumerated() {
                    if let fs = fault(item, "faults[\(i)]", hostNames: hostNames, links: links, duration: duration) { faults.append(fs) }
                }
            } else { err("faults", "expected an array, got \(f.kindName)") }
        }
        var rules: [NetRule] = []
        if let r = json["rules"] {
            if let arr = r.arrayValue {
                for (i, item) in arr.prefix(256).enumerated() {
                    if let rule = rule(item, "rules[\(i)]", hostNames: hostNames) { rules.append(rule) }
                }
                if arr.count > 256 { err("rules", "at most 256 rules") }
            } else { err("rules", "expected an array, got \(r.kindName)") }
        }
        var nats: [NATSpec] = []
        if let n = json["nat"] {
            if let arr = n.arrayValue {
                for (i, item) in arr.prefix(16).enumerated() {
                    let path = "nat[\(i)]"
                    guard let o = item.objectValue else { err(path, "expected an object with public and inside"); continue }
                    checkKeys(o, allowed: ["public", "inside"], path: path)
                    let ipText = item["public"]?.stringValue
                    let ip = ipText.flatMap(IPv4.init)
                    if ip == nil { err(join(path, "public"), "expected the NAT's public IPv4 address") }
                    if let ip, hosts.contains(where: { $0.ip == ip }) { err(join(path, "public"), "\(ip) is already a host's address") }
                    var inside: [String] = []
                    for (k, h) in (item["inside"]?.arrayValue ?? []).enumerated() {
                        if let name = h.stringValue, hostNames.contains(name) { inside.append(name) } else {
                            err("\(path).inside[\(k)]", "unknown host \(h.stringValue.map { "\"\($0)\"" } ?? h.kindName)" + suggestion(h.stringValue ?? "", hostNames))
                        }
                    }
                    if item["inside"]?.arrayValue == nil { err(join(path, "inside"), "expected the names of the hosts behind the NAT") }
                    if let ip, !inside.isEmpty { nats.append(NATSpec(publicIP: ip, inside: inside)) }
                }
            } else { err("nat", "expected an array, got \(n.kindName)") }
        }
        return Scenario(name: name, seed: seed, duration: duration, hosts: hosts, links: links, steps: steps,
                        faults: faults, rules: rules, nats: nats)
    }

    mutating func fault(_ json: JSON, _ path: String, hostNames: [String], links: [LinkSpec], duration: TimeSpan) -> FaultStep? {
        guard let obj = json.objectValue else { err(path, "expected an object with at and fault"); return nil }
        let kind = json["fault"]?.stringValue
        let extra: [String]
        switch kind {
        case "crash", "power-off", "boot": extra = ["host"]
        case "unplug", "replug": extra = ["between"]
        case "partition": extra = ["groups"]
        case "inject": extra = ["like", "src", "dst", "flags", "seq", "ack", "window", "data", "delay"]
        default: extra = []
        }
        checkKeys(obj, allowed: ["at", "fault", "comment"] + extra, path: path)
        var at = TimeSpan.zero
        if let a = json["at"], let t = span(a, join(path, "at")) {
            if t > duration { err(join(path, "at"), "\(t) is after the end of the run (duration \(duration))") } else { at = t }
        } else if json["at"] == nil { err(join(path, "at"), "missing") }
        guard let kind else { err(join(path, "fault"), "missing: one of " + Fault.names.joined(separator: ", ")); return nil }
        func hostArg() -> String? {
            guard let h = json["host"]?.stringValue else { err(join(path, "host"), "missing: which host"); return nil }
            guard hostNames.contains(h) else { err(join(path, "host"), "unknown host \"\(h)\"" + suggestion(h, hostNames)); return nil }
            return h
        }
        func pair() -> (String, String)? {
            guard let b = json["between"]?.arrayValue, b.count == 2, let x = b[0].stringValue, let y = b[1].stringValue else {
                err(join(path, "between"), "expected two host names"); return nil
            }
            guard links.contains(where: { Set([$0.a, $0.b]) == Set([x, y]) }) else {
                err(join(path, "between"), "no link joins \(x) and \(y)"); return nil
            }
            return (x, y)
        }
        let f: Fault?
        switch kind {
        case "crash": f = hostArg().map { .crash(host: $0) }
        case "power-off": f = hostArg().map { .powerOff(host: $0) }
        case "boot": f = hostArg().map { .boot(host: $0) }
        case "unplug": f = pair().map { .unplug($0.0, $0.1) }
        case "replug": f = pair().map { .replug($0.0, $0.1) }
        case "heal": f = .heal
        case "partition":
            var groups: [[String]] = []
            for (g, group) in (json["groups"]?.arrayValue ?? []).enumerated() {
                var names: [String] = []
                for (k, h) in (group.arrayValue ?? []).enumerated() {
                    if let n = h.stringValue, hostNames.contains(n) { names.append(n) } else {
                        err("\(path).groups[\(g)][\(k)]", "unknown host" + suggestion(h.stringValue ?? "", hostNames))
                    }
                }
                groups.append(names)
            }
            if groups.count < 2 { err(join(path, "groups"), "expected at least two groups of host names") }
            f = groups.count >= 2 ? .partition(groups) : nil
        case "inject": f = injection(json, path, hostNames: hostNames).map { .inject($0) }
        default:
            err(join(path, "fault"), "unknown fault \"\(kind)\"" + suggestion(kind, Fault.names))
            f = nil
        }
        return f.map { FaultStep(at: at, fault: $0) }
    }

    mutating func injection(_ json: JSON, _ path: String, hostNames: [String]) -> Injection? {
        var ok = true
        var like: String? = nil
        var src: SocketAddress? = nil, dst: SocketAddress? = nil
        if let l = json["like"]?.stringValue {
            let parts = l.split(separator: ">").map(String.init)
            if parts.count == 2, hostNames.contains(parts[0]), hostNames.contains(parts[1]) { like = l } else {
                err(join(path, "like"), "expected \"host>host\" naming two hosts, got \"\(l)\""); ok = false
            }
        } else {
            for key in ["src", "dst"] {
                guard let t = json[key]?.stringValue, let c = t.lastIndex(of: ":"), let ip = IPv4(String(t[..<c])),
                      let port = UInt16(t[t.index(after: c)...]) else {
                    err(join(path, key), "expected \"ip:port\" (or give \"like\": \"client>server\" to copy an observed 4-tuple)")
                    ok = false
                    continue
                }
                if key == "src" { src = SocketAddress(ip, port) } else { dst = SocketAddress(ip, port) }
            }
        }
        var flags = TCPFlags()
        if let names = json["flags"]?.arrayValue?.compactMap(\.stringValue), let f = TCPFlags(names: names), !names.isEmpty { flags = f } else {
            err(join(path, "flags"), "expected an array of flag names such as [\"RST\"] or [\"SYN\"]"); ok = false
        }
        let seq = seqExpr(json["seq"], join(path, "seq"), hostNames: hostNames, required: true)
        let ack = json["ack"] == nil ? SeqExpr.value(0) : seqExpr(json["ack"], join(path, "ack"), hostNames: hostNames, required: true)
        guard ok, let seq, let ack else { return nil }
        var inj = Injection(like: like, src: src, dst: dst, flags: flags, seq: seq, ack: ack)
        if let w = json["window"] { inj.window = UInt16(int(w, join(path, "window"), range: 0...65535, required: true) ?? 65535) }
        if let d = json["data"] { inj.data = string(d, join(path, "data")) ?? "" }
        if let d = json["delay"], let t = span(d, join(path, "delay")) { inj.delay = t }
        return inj
    }

    mutating func seqExpr(_ json: JSON?, _ path: String, hostNames: [String], required: Bool) -> SeqExpr? {
        guard let json else { if required { err(path, "missing") }; return nil }
        if let i = json.intValue, i >= 0, i <= Int64(UInt32.max) { return .value(UInt32(i)) }
        if let s = json.stringValue {
            // "server>client.ack+1"
            var body = Substring(s)
            var offset = 0
            if let sign = body.lastIndex(where: { $0 == "+" || $0 == "-" }), let n = Int(body[body.index(after: sign)...]) {
                offset = body[sign] == "+" ? n : -n
                body = body[..<sign]
            }
            let parts = body.split(separator: ".")
            if parts.count == 2 {
                let dir = parts[0].split(separator: ">").map(String.init)
                let field = String(parts[1])
                if dir.count == 2, hostNames.contains(dir[0]), hostNames.contains(dir[1]), ["seq", "ack", "next"].contains(field) {
                    return .observed(from: dir[0], to: dir[1], field: field, offset: offset)
                }
            }
        }
        err(path, "expected a 32-bit number or an observation like \"server>client.ack\" (fields seq, ack, next; an optional +N or -N)")
        return nil
    }

    mutating func rule(_ json: JSON, _ path: String, hostNames: [String]) -> NetRule? {
        guard let obj = json.objectValue else { err(path, "expected an object with action and what to match"); return nil }
        checkKeys(obj, allowed: ["from", "to", "flags", "data", "nth", "action", "by", "comment"], path: path)
        var r = NetRule(action: .drop)
        var ok = true
        for key in ["from", "to"] {
            if let h = json[key] {
                if let n = h.stringValue, hostNames.contains(n) { if key == "from" { r.from = n } else { r.to = n } } else {
                    err(join(path, key), "unknown host" + suggestion(h.stringValue ?? "", hostNames)); ok = false
                }
            }
        }
        if let f = json["flags"] {
            if let names = f.arrayValue?.compactMap(\.stringValue), let flags = TCPFlags(names: names) { r.flags = flags } else {
                err(join(path, "flags"), "expected flag names such as [\"FIN\"]"); ok = false
            }
        }
        if let d = json["data"] { r.dataOnly = d.boolValue ?? false }
        if let n = json["nth"] { r.nth = int(n, join(path, "nth"), range: 1...1_000_000, required: true) }
        switch json["action"]?.stringValue {
        case "drop": r.action = .drop
        case "duplicate": r.action = .duplicate
        case "delay":
            if let b = json["by"], let t = span(b, join(path, "by")) { r.action = .delay(t) } else {
                if json["by"] == nil { err(join(path, "by"), "missing: how long to delay (for example \"300ms\")") }
                ok = false
            }
        case let other:
            err(join(path, "action"), other.map { "unknown action \"\($0)\"" + suggestion($0, ["drop", "delay", "duplicate"]) } ?? "missing: drop, delay or duplicate")
            ok = false
        }
        return ok ? r : nil
    }

    mutating func host(_ json: JSON, _ path: String) -> HostSpec? {
        guard let obj = json.objectValue else { err(path, "expected an object with name and ip, got \(json.kindName)"); return nil }
        checkKeys(obj, allowed: ["name", "ip", "sysctls", "uptime"], path: path)
        var name: String? = json["name"].flatMap { string($0, join(path, "name")) }
        if json["name"] == nil { err(join(path, "name"), "missing") }
        if let n = name, n.isEmpty || n.count > 32 || !n.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            err(join(path, "name"), "a host name is 1–32 letters, digits, '-' or '_'")
            name = nil
        }
        var ip: IPv4? = nil
        if let ipText = json["ip"].flatMap({ string($0, join(path, "ip")) }) {
            if let a = IPv4(ipText), a != .any { ip = a } else { err(join(path, "ip"), "\"\(ipText)\" is not an IPv4 address like 10.0.0.1") }
        } else if json["ip"] == nil {
            err(join(path, "ip"), "missing (for example \"10.0.0.1\")")
        }
        var overrides: [(String, SysctlValue)] = []
        if let sc = json["sysctls"] {
            if let members = sc.objectValue {
                for (k, v) in members {
                    let p = join(join(path, "sysctls"), k)
                    let short = Sysctls.shortName(k)
                    guard let entry = Sysctls.all.first(where: { $0.name == short }) else {
                        err(p, "unknown sysctl \"\(k)\"" + suggestion(short, Sysctls.names))
                        continue
                    }
                    if let value = sysctlValue(v, entry: entry, path: p) { overrides.append((short, value)) }
                }
            } else { err(join(path, "sysctls"), "expected an object of sysctl names to values, got \(sc.kindName)") }
        }
        var uptime = TimeSpan.zero
        if let u = json["uptime"], let t = span(u, join(path, "uptime")) { uptime = t }
        guard let name, let ip else { return nil }
        return HostSpec(name: name, ip: ip, sysctls: overrides, uptime: uptime)
    }

    mutating func sysctlValue(_ v: JSON, entry: (name: String, get: @Sendable (Sysctls) -> SysctlValue, set: @Sendable (inout Sysctls, SysctlValue) -> Void, range: ClosedRange<Int>), path: String) -> SysctlValue? {
        if case .string = entry.get(Sysctls()) {
            let names = CongestionAlgorithm.allCases.map(\.rawValue)
            guard let name = v.stringValue, names.contains(name) else {
                err(path, "expected one of " + names.joined(separator: ", ") + suggestion(v.stringValue ?? "", names))
                return nil
            }
            return .string(name)
        }
        if case .triple = entry.get(Sysctls()) {
            var nums: [Int] = []
            if let arr = v.arrayValue { nums = arr.compactMap { $0.intValue.map(Int.init) } }
            else if let s = v.stringValue { nums = s.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int($0) } }
            guard nums.count == 3, nums.allSatisfy({ entry.range.contains($0) }), nums[0] <= nums[1], nums[1] <= nums[2] else {
                err(path, "expected three sizes in bytes, min ≤ default ≤ max (for example [4096, 131072, 6291456])")
                return nil
            }
            return .triple(nums)
        }
        guard let i = v.intValue ?? v.stringValue.flatMap({ Int64($0) }) else { err(path, "expected an integer, got \(v.kindName)"); return nil }
        guard entry.range.contains(Int(i)) else { err(path, "\(i) is out of range \(entry.range.lowerBound)…\(entry.range.upperBound)"); return nil }
        return .int(Int(i))
    }

    mutating func link(_ json: JSON, _ path: String, hostNames: [String]) -> LinkSpec? {
        guard let obj = json.objectValue else { err(path, "expected an object like {\"between\": [\"client\", \"server\"], \"delay\": \"20ms\"}"); return nil }
        checkKeys(obj, allowed: ["between", "delay", "rate", "queue", "loss", "duplicate", "reorder", "reorder_delay", "jitter", "mtu"], path: path)
        guard let between = json["between"]?.arrayValue, between.count == 2,
              let a = between[0].stringValue, let b = between[1].stringValue else {
            err(join(path, "between"), "expected two host names")
            return nil
        }
        var ok = true
        for (i, n) in [a, b].enumerated() where !hostNames.contains(n) {
            err("\(path).between[\(i)]", "unknown host \"\(n)\"" + suggestion(n, hostNames))
            ok = false
        }
        if a == b { err(join(path, "between"), "a link joins two different hosts"); ok = false }
        var delay = TimeSpan.ms(20)
        if let d = json["delay"], let t = span(d, join(path, "delay")) {
            if t > limits.maxLinkDelay { err(join(path, "delay"), "at most \(limits.maxLinkDelay)"); ok = false } else { delay = t }
        }
        var link = LinkSpec(a, b, delay: delay)
        if let r = json["rate"] {
            if let bps = Validator.parseRate(r), bps >= 1000 { link.rate = bps } else {
                err(join(path, "rate"), "expected a rate like \"1Gbit\", \"100Mbit\" or a number of bits per second (at least 1kbit)"); ok = false
            }
        }
        if let q = json["queue"] { link.queue = int(q, join(path, "queue"), range: 1...1_000_000, required: true) ?? link.queue }
        if let m = json["mtu"] { link.mtu = int(m, join(path, "mtu"), range: 576...65536, required: true) ?? link.mtu }
        for key in ["loss", "duplicate", "reorder"] {
            guard let v = json[key] else { continue }
            guard let p = v.doubleValue, p >= 0, p <= 1 else { err(join(path, key), "expected a probability from 0 to 1"); ok = false; continue }
            switch key {
            case "loss": link.loss = p
            case "duplicate": link.duplicate = p
            default: link.reorder = p
            }
        }
        if let j = json["jitter"], let t = span(j, join(path, "jitter")) { link.jitter = t }
        if let j = json["reorder_delay"], let t = span(j, join(path, "reorder_delay")) { link.reorderDelay = t }
        return ok ? link : nil
    }

    static let stepKeys: [String: [String]] = [
        "socket": [],
        "bind": ["port", "ip"],
        "listen": ["backlog"],
        "connect": ["to", "isn"],
        "accept": ["as"],
        "write": ["data", "bytes"],
        "read": ["max", "until"],
        "shutdown": ["how"],
        "close": [],
        "setsockopt": ["option", "value"],
        "fcntl": ["nonblocking"],
        "getsockopt": ["option"],
    ]

    mutating func step(_ json: JSON, _ path: String, hosts: [HostSpec], duration: TimeSpan) -> Step? {
        guard let obj = json.objectValue else { err(path, "expected an object with at, host, socket and call"); return nil }
        let callName = json["call"].flatMap { $0.stringValue }
        let extra = callName.flatMap { Validator.stepKeys[$0] } ?? Validator.stepKeys.values.flatMap { $0 }
        checkKeys(obj, allowed: ["at", "host", "socket", "call", "comment"] + extra, path: path)
        var at = TimeSpan.zero
        if let a = json["at"] {
            if let t = span(a, join(path, "at")) {
                if t > duration { err(join(path, "at"), "\(t) is after the end of the run (duration \(duration))") } else { at = t }
            }
        } else { err(join(path, "at"), "missing: when the call is made, in seconds (for example 0.1 or \"100ms\")") }
        let hostNames = hosts.map(\.name)
        var hostName = ""
        if let h = json["host"].flatMap({ string($0, join(path, "host")) }) {
            if hostNames.contains(h) { hostName = h } else { err(join(path, "host"), "unknown host \"\(h)\"" + suggestion(h, hostNames)) }
        } else if json["host"] == nil { err(join(path, "host"), "missing: which host makes the call") }
        var socket = ""
        if let s = json["socket"].flatMap({ string($0, join(path, "socket")) }) {
            if s.isEmpty || s.count > 32 { err(join(path, "socket"), "a socket name is 1–32 characters") } else { socket = s }
        } else if json["socket"] == nil { err(join(path, "socket"), "missing: a name for the socket (for example \"c\")") }
        guard let cname = callName else {
            if let c = json["call"] { err(join(path, "call"), "expected a call name, got \(c.kindName)") } else { err(join(path, "call"), "missing: one of " + Call.names.joined(separator: ", ")) }
            return nil
        }
        guard Call.names.contains(cname) else {
            err(join(path, "call"), "unknown call \"\(cname)\"" + suggestion(cname, Call.names))
            return nil
        }
        let call: Call?
        switch cname {
        case "socket": call = .socket
        case "close": call = .close
        case "bind":
            let port = int(json["port"], join(path, "port"), range: 0...65535, required: true)
            var ip: IPv4? = nil
            if let t = json["ip"] {
                if let s = t.stringValue, let a = IPv4(s) { ip = a } else { err(join(path, "ip"), "expected an IPv4 address like \"0.0.0.0\"") }
            }
            call = port.map { .bind(ip: ip, port: UInt16($0)) }
        case "listen":
            let b = json["backlog"] == nil ? 128 : int(json["backlog"], join(path, "backlog"), range: 0...65535, required: true)
            call = b.map { .listen(backlog: $0) }
        case "connect":
            var t = target(json["to"], join(path, "to"), hosts: hosts)
            if json["isn"] != nil {
                let e = seqExpr(json["isn"], join(path, "isn"), hostNames: hosts.map(\.name), required: true)
                if e == nil { t = nil } else { t?.isn = e }
            }
            call = t.map { .connect($0) }
        case "accept":
            if let label = json["as"].flatMap({ string($0, join(path, "as")) }), !label.isEmpty {
                call = .accept(as: label)
            } else {
                if json["as"] == nil { err(join(path, "as"), "missing: the name of the accepted socket (for example \"conn\")") }
                call = nil
            }
        case "write":
            if let d = json["data"] {
                if let t = string(d, join(path, "data")) {
                    if t.utf8.count > limits.maxTextBytes { err(join(path, "data"), "at most \(limits.maxTextBytes) bytes of text; use \"bytes\" for bulk data"); call = nil }
                    else if t.isEmpty { err(join(path, "data"), "empty write"); call = nil }
                    else { call = .write(.text(t)) }
                } else { call = nil }
                if json["bytes"] != nil { err(join(path, "bytes"), "give either data or bytes, not both") }
            } else if json["bytes"] != nil {
                call = int(json["bytes"], join(path, "bytes"), range: 1...limits.maxWriteBytes, required: true).map { .write(.bytes($0)) }
            } else {
                err(path, "write needs \"data\" (text) or \"bytes\" (a count)")
                call = nil
            }
        case "read":
            var untilEOF = false
            if let u = json["until"] {
                if u.stringValue == "eof" { untilEOF = true } else { err(join(path, "until"), "the only value is \"eof\"") }
            }
            let m = json["max"] == nil ? 65536 : int(json["max"], join(path, "max"), range: 1...(1 << 30), required: true)
            call = m.map { .read(max: $0, untilEOF: untilEOF) }
        case "shutdown":
            let h = json["how"].flatMap { string($0, join(path, "how")) } ?? "SHUT_WR"
            if let how = ShutdownHow(rawValue: h.uppercased()) ?? ShutdownHow(rawValue: "SHUT_" + h.uppercased()) { call = .shutdown(how) } else {
                err(join(path, "how"), "unknown \"\(h)\"" + suggestion(h, ShutdownHow.allCases.map(\.rawValue)))
                call = nil
            }
        case "setsockopt":
            let o = json["option"].flatMap { string($0, join(path, "option")) }
            var opt: SocketOption? = nil
            if let o {
                opt = SocketOption(rawValue: o.uppercased())
                if opt == nil { err(join(path, "option"), "unknown option \"\(o)\"" + suggestion(o.uppercased(), SocketOption.allCases.map(\.rawValue))) }
            } else if json["option"] == nil { err(join(path, "option"), "missing: one of " + SocketOption.allCases.map(\.rawValue).joined(separator: ", ")) }
            var value: Int? = nil
            if let b = json["value"]?.boolValue { value = b ? 1 : 0 } else {
                value = int(json["value"], join(path, "value"), range: -1...(1 << 30), required: true)
            }
            if let opt, let value { call = .setsockopt(opt, value) } else { call = nil }
        case "getsockopt":
            if let o = json["option"].flatMap({ string($0, join(path, "option")) }) {
                let name = o.uppercased()
                if Call.readableOptions.contains(name) { call = .getsockopt(name) } else {
                    err(join(path, "option"), "unknown option \"\(o)\"" + suggestion(name, Call.readableOptions))
                    call = nil
                }
            } else {
                if json["option"] == nil { err(join(path, "option"), "missing: one of " + Call.readableOptions.joined(separator: ", ")) }
                call = nil
            }
        case "fcntl":
            if let b = json["nonblocking"]?.boolValue { call = .fcntl(nonBlocking: b) } else {
                err(join(path, "nonblocking"), json["nonblocking"] == nil ? "missing: true (O_NONBLOCK) or false" : "expected true or false")
                call = nil
            }
        default:
            call = nil
        }
        guard let call, !hostName.isEmpty, !socket.isEmpty else { return nil }
        return Step(at: at, host: hostName, socket: socket, call: call)
    }

    /// Sockets must exist before they are used: created by a socket step or an accept step earlier in time.
    mutating func checkSocketLifetimes(_ steps: [Step]) {
        let order = steps.indices.sorted { (steps[$0].at, $0) < (steps[$1].at, $1) }
        var created: Set<String> = []
        var listeners: Set<String> = []
        for i in order {
            let s = steps[i]
            let key = s.host + "\u{0}" + s.socket
            switch s.call {
            case .socket:
                created.insert(key)
            case let .accept(label):
                if !created.contains(key) {
                    err("steps[\(i)].socket", "socket \"\(s.socket)\" on \(s.host) is used before a socket step creates it")
                } else if !listeners.contains(key) {
                    err("steps[\(i)].socket", "accept() needs a socket that listen() was called on earlier")
                }
                created.insert(s.host + "\u{0}" + label)
            default:
                if !created.contains(key) {
                    err("steps[\(i)].socket", "socket \"\(s.socket)\" on \(s.host) is used before a socket or accept step creates it")
                }
                if case .listen = s.call { listeners.insert(key) }
            }
        }
    }

    mutating func target(_ json: JSON?, _ path: String, hosts: [HostSpec]) -> Target? {
        guard let json else { err(path, "missing: where to connect, as \"host:port\" (for example \"server:8888\")"); return nil }
        guard let text = string(json, path) else { return nil }
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else {
            err(path, "expected \"host:port\" with a port from 1 to 65535, got \"\(text)\"")
            return nil
        }
        let name = String(text[..<colon])
        if let ip = IPv4(name) { return Target(ip: ip, port: port) }
        guard hosts.contains(where: { $0.name == name }) else {
            err(path, "unknown host \"\(name)\"" + suggestion(name, hosts.map(\.name)))
            return nil
        }
        return Target(host: name, port: port)
    }

    mutating func string(_ json: JSON, _ path: String) -> String? {
        if let s = json.stringValue { return s }
        err(path, "expected a string, got \(json.kindName)")
        return nil
    }

    mutating func int(_ json: JSON?, _ path: String, range: ClosedRange<Int>, required: Bool) -> Int? {
        guard let json else {
            if required { err(path, "missing") }
            return nil
        }
        guard let i = json.intValue else { err(path, "expected an integer, got \(json.kindName)"); return nil }
        guard range.contains(Int(i)) else { err(path, "\(i) is out of range \(range.lowerBound)…\(range.upperBound)"); return nil }
        return Int(i)
    }

    /// A time given as seconds (number) or text with a unit ("20ms", "1.5s").
    mutating func span(_ json: JSON, _ path: String) -> TimeSpan? {
        if let d = json.doubleValue {
            guard d >= 0, d.isFinite, d < 1e9 else { err(path, "expected a time of 0 or more seconds"); return nil }
            return TimeSpan.fromSeconds(d)
        }
        if let s = json.stringValue {
            if let t = TimeSpan.parse(s) { return t }
            err(path, "\"\(s)\" is not a time; write seconds (0.02) or a number with a unit (20ms, 1.5s, 300us)")
            return nil
        }
        err(path, "expected a time (seconds, or text like \"20ms\"), got \(json.kindName)")
        return nil
    }
}

extension Validator {
    /// "1Gbit", "100Mbit", "10kbit", "1.5Gbps", or a number of bits per second.
    static func parseRate(_ json: JSON) -> Int64? {
        if let v = json.doubleValue, v > 0 { return roundedInt64(v.rounded(.down)) }
        guard var t = json.stringValue?.lowercased().trimmingSpaces else { return nil }
        for suffix in ["bps", "bit/s", "bit", "b"] where t.hasSuffix(suffix) { t = String(t.dropLast(suffix.count)); break }
        var scale = 1.0
        if let last = t.last, let m = ["k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12][String(last)] { scale = m; t.removeLast() }
        guard let v = Double(t.trimmingSpaces), v > 0 else { return nil }
        return roundedInt64((v * scale).rounded(.down))
    }
}

/// " (did you mean "connect"?)" when a known word is close to what was written.
func suggestion(_ word: String, _ candidates: [String]) -> String {
    let w = word.lowercased()
    var best: (String, Int)? = nil
    for c in candidates {
        let d = editDistance(w, c.lowercased())
        if best == nil || d < best!.1 { best = (c, d) }
    }
    guard let (c, d) = best, d <= max(2, w.count / 3) else { return "" }
    return " (did you mean \"\(c)\"?)"
}

/// Levenshtein distance.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count)
    var cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}
