import JSONCore

extension Scenario {
    /// Applies command-line style overrides ("server.tcp_syncookies=0", a new seed) and re-validates,
    /// so an override gets the same clear messages as a field in a scenario file.
    public func overriding(sysctls sets: [String], seed newSeed: UInt64?, limits: ScenarioLimits = ScenarioLimits()) throws(ScenarioErrors) -> Scenario {
        var errors: [ScenarioError] = []
        var hostsJSON = json["hosts"]?.arrayValue ?? []
        for (n, s) in sets.enumerated() {
            let path = "set[\(n)]"
            guard let eq = s.firstIndex(of: "="), let dot = s[..<eq].firstIndex(of: ".") else {
                errors.append(ScenarioError(path: path, message: "expected host.sysctl=value (for example server.tcp_syncookies=0), got \"\(s)\""))
                continue
            }
            let host = String(s[..<dot])
            let name = String(s[s.index(after: dot)..<eq])
            let value = String(s[s.index(after: eq)...])
            guard let i = hosts.firstIndex(where: { $0.name == host }) else {
                errors.append(ScenarioError(path: path, message: "unknown host \"\(host)\"" + suggestion(host, hosts.map(\.name))))
                continue
            }
            var members = hostsJSON[i].objectValue ?? []
            var sys = members.first(where: { $0.0 == "sysctls" })?.1.objectValue ?? []
            let v: JSON = value.contains(" ") || value.contains(",")
                ? .array(value.split(whereSeparator: { $0 == " " || $0 == "," }).map { Int64($0).map(JSON.int) ?? .string(String($0)) })
                : (Int64(value).map(JSON.int) ?? .string(value))
            sys.removeAll { $0.0 == Sysctls.shortName(name) || $0.0 == name }
            sys.append((name, v))
            members.removeAll { $0.0 == "sysctls" }
            members.append(("sysctls", .object(sys)))
            hostsJSON[i] = .object(members)
        }
        if !errors.isEmpty { throw ScenarioErrors(errors: errors) }
        var obj = json.objectValue ?? []
        for k in obj.indices {
            if obj[k].0 == "hosts" { obj[k].1 = .array(hostsJSON) }
            if obj[k].0 == "seed", let newSeed { obj[k].1 = .int(Int64(newSeed)) }
        }
        // A bad value is reported at its field (hosts[1].sysctls.tcp_syncookies), like in a scenario file.
        return try ScenarioParser.parse(.object(obj), limits: limits)
    }
}
