/// The per-host knobs of Linux's TCP, named as `sysctl net.ipv4.*` (and `net.core.somaxconn`) names
/// them, with Linux 6.18's defaults (Documentation/networking/ip-sysctl.rst; tcp_sk_init() in tcp_ipv4.c).
public struct Sysctls: Equatable, Sendable {
    /// net.core.somaxconn: listen() clamps its backlog to this (4096 since Linux 5.4).
    public var somaxconn = 4096
    /// Only consulted when syncookies are off (tcp_conn_request()). Linux: max(128, ehash/128); 128 here.
    public var tcp_max_syn_backlog = 128
    /// 0 off, 1 cookies when the SYN queue is full, 2 always.
    public var tcp_syncookies = 1
    public var tcp_abort_on_overflow = 0
    /// Seconds an orphaned FIN_WAIT_2 waits for the peer's FIN (TCP_FIN_TIMEOUT).
    public var tcp_fin_timeout = 60
    public var tcp_timestamps = 1
    public var tcp_sack = 1
    public var tcp_window_scaling = 1
    public var tcp_syn_retries = 6
    public var tcp_synack_retries = 5
    /// Linux 6.5+: the first N SYN retransmissions are 1 s apart (commit ccce324dabfe).
    public var tcp_syn_linear_timeouts = 4
    public var tcp_retries1 = 3
    public var tcp_retries2 = 15
    public var tcp_orphan_retries = 0
    public var tcp_keepalive_time = 7200
    public var tcp_keepalive_intvl = 75
    public var tcp_keepalive_probes = 9
    /// 0 off, 1 global, 2 loopback only (the default).
    public var tcp_tw_reuse = 2
    public var tcp_rfc1337 = 0
    /// Removed in Linux 4.12; kept as a historical toggle (see the reference, §8).
    public var tcp_tw_recycle = 0
    /// Milliseconds between out-of-window ACKs (challenge ACKs, dupacks) per socket.
    public var tcp_invalid_ratelimit = 500
    public var tcp_rmem = [4096, 131072, 6291456]
    public var tcp_wmem = [4096, 16384, 4194304]
    public var tcp_pingpong_thresh = 1
    /// Minimum RTO in milliseconds (TCP_RTO_MIN).
    public var tcp_rto_min_ms = 200
    /// The congestion-avoidance algorithm: "cubic" (Linux's default) or "reno".
    public var tcp_congestion_control = "cubic"
    /// 1: after an idle period longer than the RTO, cwnd restarts (RFC 5681 §4.1, tcp_cwnd_restart()).
    public var tcp_slow_start_after_idle = 1
    /// SACK compression (Linux 4.18+): after three immediate duplicate ACKs for a hole, ACKs for further
    /// out-of-order data wait up to min(tcp_comp_sack_delay_ns, 5 % of the RTT), plus
    /// tcp_comp_sack_slack_ns, or until this many are owed. 0 turns compression off.
    public var tcp_comp_sack_nr = 44
    public var tcp_comp_sack_delay_ns = 1_000_000
    public var tcp_comp_sack_slack_ns = 100_000

    public init() {}

    /// The names a scenario may override, with a reader and writer for each.
    public static let all: [(name: String, get: @Sendable (Sysctls) -> SysctlValue, set: @Sendable (inout Sysctls, SysctlValue) -> Void, range: ClosedRange<Int>)] = [
        ("somaxconn", { .int($0.somaxconn) }, { $0.somaxconn = $1.int }, 0...65535),
        ("tcp_max_syn_backlog", { .int($0.tcp_max_syn_backlog) }, { $0.tcp_max_syn_backlog = $1.int }, 1...65535),
        ("tcp_syncookies", { .int($0.tcp_syncookies) }, { $0.tcp_syncookies = $1.int }, 0...2),
        ("tcp_abort_on_overflow", { .int($0.tcp_abort_on_overflow) }, { $0.tcp_abort_on_overflow = $1.int }, 0...1),
        ("tcp_fin_timeout", { .int($0.tcp_fin_timeout) }, { $0.tcp_fin_timeout = $1.int }, 1...3600),
        ("tcp_timestamps", { .int($0.tcp_timestamps) }, { $0.tcp_timestamps = $1.int }, 0...2),
        ("tcp_sack", { .int($0.tcp_sack) }, { $0.tcp_sack = $1.int }, 0...1),
        ("tcp_window_scaling", { .int($0.tcp_window_scaling) }, { $0.tcp_window_scaling = $1.int }, 0...1),
        ("tcp_syn_retries", { .int($0.tcp_syn_retries) }, { $0.tcp_syn_retries = $1.int }, 1...127),
        ("tcp_synack_retries", { .int($0.tcp_synack_retries) }, { $0.tcp_synack_retries = $1.int }, 0...255),
        ("tcp_syn_linear_timeouts", { .int($0.tcp_syn_linear_timeouts) }, { $0.tcp_syn_linear_timeouts = $1.int }, 0...16),
        ("tcp_retries1", { .int($0.tcp_retries1) }, { $0.tcp_retries1 = $1.int }, 0...255),
        ("tcp_retries2", { .int($0.tcp_retries2) }, { $0.tcp_retries2 = $1.int }, 0...255),
        ("tcp_orphan_retries", { .int($0.tcp_orphan_retries) }, { $0.tcp_orphan_retries = $1.int }, 0...255),
        ("tcp_keepalive_time", { .int($0.tcp_keepalive_time) }, { $0.tcp_keepalive_time = $1.int }, 1...32767),
        ("tcp_keepalive_intvl", { .int($0.tcp_keepalive_intvl) }, { $0.tcp_keepalive_intvl = $1.int }, 1...32767),
        ("tcp_keepalive_probes", { .int($0.tcp_keepalive_probes) }, { $0.tcp_keepalive_probes = $1.int }, 1...127),
        ("tcp_tw_reuse", { .int($0.tcp_tw_reuse) }, { $0.tcp_tw_reuse = $1.int }, 0...2),
        ("tcp_rfc1337", { .int($0.tcp_rfc1337) }, { $0.tcp_rfc1337 = $1.int }, 0...1),
        ("tcp_tw_recycle", { .int($0.tcp_tw_recycle) }, { $0.tcp_tw_recycle = $1.int }, 0...1),
        ("tcp_invalid_ratelimit", { .int($0.tcp_invalid_ratelimit) }, { $0.tcp_invalid_ratelimit = $1.int }, 0...60000),
        ("tcp_rmem", { .triple($0.tcp_rmem) }, { $0.tcp_rmem = $1.triple }, 1...1_073_741_824),
        ("tcp_wmem", { .triple($0.tcp_wmem) }, { $0.tcp_wmem = $1.triple }, 1...1_073_741_824),
        ("tcp_pingpong_thresh", { .int($0.tcp_pingpong_thresh) }, { $0.tcp_pingpong_thresh = $1.int }, 1...255),
        ("tcp_rto_min_ms", { .int($0.tcp_rto_min_ms) }, { $0.tcp_rto_min_ms = $1.int }, 1...120000),
        ("tcp_congestion_control", { .string($0.tcp_congestion_control) }, { $0.tcp_congestion_control = $1.string }, 0...0),
        ("tcp_slow_start_after_idle", { .int($0.tcp_slow_start_after_idle) }, { $0.tcp_slow_start_after_idle = $1.int }, 0...1),
        ("tcp_comp_sack_nr", { .int($0.tcp_comp_sack_nr) }, { $0.tcp_comp_sack_nr = $1.int }, 0...255),
        ("tcp_comp_sack_delay_ns", { .int($0.tcp_comp_sack_delay_ns) }, { $0.tcp_comp_sack_delay_ns = $1.int }, 0...1_000_000_000),
        ("tcp_comp_sack_slack_ns", { .int($0.tcp_comp_sack_slack_ns) }, { $0.tcp_comp_sack_slack_ns = $1.int }, 0...1_000_000_000),
    ]

    public static var names: [String] { all.map(\.name) }

    /// Reads a sysctl by name ("tcp_syncookies", also accepted as "net.ipv4.tcp_syncookies").
    public func value(_ name: String) -> SysctlValue? {
        Sysctls.all.first(where: { $0.name == Sysctls.shortName(name) }).map { $0.get(self) }
    }

    /// Strips "net.ipv4." / "net.core." so users can paste names from `sysctl -a`.
    public static func shortName(_ name: String) -> String {
        for prefix in ["net.ipv4.", "net.core."] where name.hasPrefix(prefix) { return String(name.dropFirst(prefix.count)) }
        return name
    }
}

/// A sysctl value: one integer, or three for tcp_rmem/tcp_wmem (min, default, max).
public enum SysctlValue: Equatable, Sendable {
    case int(Int)
    case triple([Int])
    /// A name, for tcp_congestion_control.
    case string(String)
    var int: Int { if case let .int(v) = self { return v }; return 0 }
    var triple: [Int] { if case let .triple(v) = self { return v }; return [] }
    var string: String { if case let .string(v) = self { return v }; return "" }
}
