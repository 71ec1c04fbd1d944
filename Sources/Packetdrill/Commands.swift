// Backquoted shell lines in a script. tcplab runs no shell: it understands the lines that set
// sysctls (`sysctl -q net.ipv4.tcp_...=N`) and maps them onto the simulated host, knows the kernel
// selftests' `./defaults.sh` preamble by its settings, and reports anything else as unsupported.

import TCPSim

enum Commands {
    /// The settings of tools/testing/selftests/net/packetdrill/defaults.sh (Linux 6.18) and of
    /// packetdrill's gtests/net/common/defaults.sh (the same TCP settings, plus net.mptcp.enabled=1,
    /// which plain TCP sockets never consult), which scripts run as `./defaults.sh` or
    /// `../common/defaults.sh`. Its other lines (`ip tcp_metrics
    /// flush`, `tc qdisc add … pfifo`) change nothing tcplab models: there is no metrics cache to
    /// flush and no qdisc pacing.
    static let defaultsSh: [(String, String)] = [
        ("net.ipv4.tcp_rmem", "4096 540000 15728640"),
        ("net.ipv4.tcp_wmem", "4096 262144 4194304"),
        ("net.ipv4.tcp_timestamps", "1"),
        ("net.ipv4.tcp_syn_retries", "5"),
        ("net.ipv4.tcp_synack_retries", "5"),
        ("net.ipv4.tcp_frto", "2"),
        ("net.ipv4.tcp_sack", "1"),
        ("net.ipv4.tcp_dsack", "1"),
        ("net.ipv4.tcp_fack", "0"),
        ("net.ipv4.tcp_reordering", "3"),
        ("net.ipv4.tcp_congestion_control", "cubic"),
        ("net.ipv4.tcp_slow_start_after_idle", "0"),
        ("net.ipv4.tcp_early_retrans", "4"),
        ("net.ipv4.tcp_recovery", "1"),
        ("net.ipv4.tcp_tso_win_divisor", "3"),
        ("net.ipv4.tcp_ecn", "0"),
        ("net.ipv4.tcp_pacing_ss_ratio", "200"),
        ("net.ipv4.tcp_pacing_ca_ratio", "120"),
        ("net.ipv4.tcp_notsent_lowat", "4294967295"),
        ("net.ipv4.tcp_fastopen", "0x70403"),
        ("net.ipv4.tcp_fastopen_key", "a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4"),
        ("net.ipv4.tcp_syncookies", "1"),
    ]

    /// Sysctls tcplab does not model, with the values under which its fixed behaviour is what Linux
    /// does. Any other value is unsupported. (The behaviour each value stands for is in the README's
    /// packetdrill section.)
    static let fixedBehaviour: [String: Set<String>] = [
        "tcp_frto": ["0", "1", "2"],          // F-RTO only matters after a spurious RTO; not modelled either way
        "tcp_dsack": ["1"],                   // D-SACK for duplicates is on (known gap: none for old data)
        "tcp_fack": ["0", "1"],               // removed in Linux 4.15: no effect
        "tcp_reordering": ["3"],              // dupthresh 3
        "tcp_early_retrans": ["3", "4"],      // TLP on
        "tcp_recovery": ["1"],                // RACK loss detection
        "tcp_tso_win_divisor": ["3"],         // no TSO
        "tcp_ecn": ["0", "2"],                // no ECN negotiated (2: only if the peer asks, and tcplab's peers never do)
        "tcp_pacing_ss_ratio": ["200"],       // no pacing
        "tcp_pacing_ca_ratio": ["120"],
        "tcp_notsent_lowat": ["4294967295", "-1"],   // unlimited, Linux's default
        "tcp_fastopen": ["0", "1", "0x1", "0x3", "3", "0x70403"], // TFO only acts through calls tcplab reports as unsupported
        "tcp_fastopen_key": [],               // any key: see tcp_fastopen
        "tcp_min_tso_segs": ["2"],
        "tcp_autocorking": ["0", "1"],        // coalescing of small writes is not modelled
    ]

    /// Applies one command to the host's sysctl overrides.
    static func apply(_ command: String, line: Int, to sysctls: inout [(String, SysctlValue)]) throws(PDProblem) {
        // A backslash at the end of a line continues it.
        var joined = ""
        var rest = command[...]
        while let r = rest.firstRange(of: "\\\n") { joined += rest[..<r.lowerBound] + " "; rest = rest[r.upperBound...] }
        joined += rest
        let parts = joined.split(whereSeparator: { $0 == "\n" || $0 == ";" }).flatMap { piece -> [Substring] in
            // `a && b` runs both (as far as sysctls go).
            var out: [Substring] = [], rest = piece[...]
            while let r = rest.firstRange(of: "&&") {
                out.append(rest[..<r.lowerBound])
                rest = rest[r.upperBound...]
            }
            out.append(rest)
            return out
        }
        for part in parts {
            let words = shellWords(part)
            guard let head = words.first else { continue }
            switch head {
            case _ where head == "defaults.sh" || head.hasSuffix("/defaults.sh"):
                for (name, value) in defaultsSh { try set(name, value, line: line, into: &sysctls) }
            case "sysctl":
                var assignments = words.dropFirst().filter { !$0.hasPrefix("-") }
                if assignments.isEmpty { continue }
                // `sysctl -q name="a b c"` arrives as one word; `sysctl -w name=a` too.
                while let a = assignments.first {
                    assignments.removeFirst()
                    let kv = a.split(separator: "=", maxSplits: 1)
                    guard kv.count == 2 else {
                        throw PDProblem(.unsupported, line: line, "`sysctl \(a)` reads a value; only settings (name=value) are understood")
                    }
                    try set(String(kv[0]), String(kv[1]), line: line, into: &sysctls)
                }
            case _ where head.hasSuffix("set_sysctls.py"):
                // packetdrill's gtests/net/tcp/common/set_sysctls.py /proc/sys/net/ipv4/NAME=VALUE ...
                for a in words.dropFirst() {
                    let kv = a.split(separator: "=", maxSplits: 1)
                    guard kv.count == 2, kv[0].hasPrefix("/proc/sys/") else {
                        throw PDProblem(.unsupported, line: line, "set_sysctls.py argument \"\(a)\" is not /proc/sys/...=VALUE")
                    }
                    let name = kv[0].dropFirst("/proc/sys/".count).split(separator: "/").joined(separator: ".")
                    try set(name, String(kv[1]), line: line, into: &sysctls)
                }
            case "ip" where words.count >= 3 && words[1] == "tcp_metrics" && words[2] == "flush":
                continue   // no metrics cache in tcplab
            case "tc" where words.contains("qdisc"):
                continue   // no qdisc pacing in tcplab
            default:
                throw PDProblem(.unsupported, line: line, "shell command `\(part.trimmed)`: tcplab runs no shell; it understands `sysctl -q net.ipv4.NAME=VALUE` and ./defaults.sh")
            }
        }
    }

    static func set(_ name: String, _ raw: String, line: Int, into sysctls: inout [(String, SysctlValue)]) throws(PDProblem) {
        let short = Sysctls.shortName(name)
        let value = try arithmetic(raw.trimmed, line: line)
        if let entry = Sysctls.all.first(where: { $0.name == short }) {
            let parsed: SysctlValue
            if short == "tcp_congestion_control" {
                guard value == "cubic" || value == "reno" else {
                    throw PDProblem(.unsupported, line: line, "tcp_congestion_control=\(value): tcplab models cubic and reno")
                }
                parsed = .string(value)
            } else if short == "tcp_rmem" || short == "tcp_wmem" {
                let parts = value.split(separator: " ").compactMap { Int($0) }
                guard parts.count == 3, parts.allSatisfy({ entry.range.contains($0) }) else {
                    throw PDProblem(.syntax, line: line, "\(name) needs three numbers (min default max)")
                }
                parsed = .triple(parts)
            } else {
                guard let v = Int(value), entry.range.contains(v) else {
                    throw PDProblem(.unsupported, line: line, "\(name)=\(value) is outside what tcplab models (\(entry.range.lowerBound)…\(entry.range.upperBound))")
                }
                parsed = .int(v)
            }
            sysctls.removeAll { $0.0 == short }
            sysctls.append((short, parsed))
            return
        }
        if let ok = fixedBehaviour[short], ok.isEmpty || ok.contains(value) { return }
        if fixedBehaviour[short] != nil {
            throw PDProblem(.unsupported, line: line, "\(name)=\(value): tcplab's behaviour is fixed at \(fixedBehaviour[short]!.sorted().joined(separator: " or "))")
        }
        throw PDProblem(.unsupported, line: line, "sysctl \(name) is not modelled")
    }

    /// Shell arithmetic in a value, `$((15*1024*1024))`: integers with `*`, `+` and `-`.
    static func arithmetic(_ value: String, line: Int) throws(PDProblem) -> String {
        var out = "", rest = value[...]
        while let open = rest.firstRange(of: "$((") {
            guard let close = rest[open.upperBound...].firstRange(of: "))") else { break }
            let expr = rest[open.upperBound..<close.lowerBound].filter { !$0.isWhitespace }
            var total = 0
            for term in expr.split(separator: "+", omittingEmptySubsequences: false) {
                var product = 1
                for factor in term.split(separator: "*") {
                    guard let v = Int(factor) else { throw PDProblem(.unsupported, line: line, "shell arithmetic \"$((\(expr)))\": only integers, * and +") }
                    let (p, overflow) = product.multipliedReportingOverflow(by: v)
                    guard !overflow else { throw PDProblem(.syntax, line: line, "shell arithmetic \"$((\(expr)))\" overflows") }
                    product = p
                }
                let (sum, overflow) = total.addingReportingOverflow(product)
                guard !overflow else { throw PDProblem(.syntax, line: line, "shell arithmetic \"$((\(expr)))\" overflows") }
                total = sum
            }
            out += rest[..<open.lowerBound] + String(total)
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// Splits a command line into words, honouring double quotes.
    static func shellWords(_ s: Substring) -> [String] {
        var words: [String] = [], cur = "", quoted = false, any = false
        for ch in s {
            if ch == "\"" { quoted.toggle(); any = true; continue }
            if ch.isWhitespace && !quoted {
                if any { words.append(cur) }
                cur = ""; any = false
                continue
            }
            cur.append(ch); any = true
        }
        if any { words.append(cur) }
        return words
    }
}
