// Catalogue scenarios about SYNs meeting old state, forged segments, out-of-order FINs and dropped
// SYNs (claims 5–9 of the notes).

extension Catalogue {
    /// The client reboots at 1 s → 5 s and connects again at 6 s, from `port` (nil: an ephemeral one).
    static func crashReconnect(_ p: ParamValues, samePort: Bool) -> Scenario {
        var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
        b.listener(port: 8888, backlog: 8)
        b.at(0, "server", "ls", .accept(as: "old"))
        b.at(0, "client", "c", .socket)
        if samePort { b.at(0, "client", "c", .bind(ip: nil, port: 40000)) }
        b.at(0, "client", "c", .connect(Target(host: "server", port: 8888)))
        b.at(0.1, "server", "old", .read(max: 65536, untilEOF: true))
        b.at(0.1, "server", "ls", .accept(as: "new"))
        b.at(6, "client", "c2", .socket)
        if samePort { b.at(6, "client", "c2", .bind(ip: nil, port: 40000)) }
        b.at(6, "client", "c2", .connect(Target(host: "server", port: 8888)))
        b.at(6.5, "client", "c2", .write(.text("hello again")))
        b.at(6.5, "server", "new", .read(max: 65536, untilEOF: false))
        var s = b.scenario(duration: .seconds(10))
        s.faults = [FaultStep(at: .seconds(1), fault: .powerOff(host: "client")), FaultStep(at: .seconds(5), fault: .boot(host: "client"))]
        return s
    }

    static let crashReconnectNewPort = CatalogueEntry(
        id: "crash-reconnect-new-port",
        title: Localized("A crashed client reconnects from a new port: a second, normal connection", "崩溃的客户端从新端口重连：第二条正常连接"),
        claim: Localized("If a client host crashes and reconnects from a different source port, the server sees a brand-new connection and completes a normal handshake; the old one stays ESTABLISHED.",
                         "客户端主机崩溃后若从不同的源端口重连，服务端认为是新连接，正常完成三次握手；旧连接仍处于 ESTABLISHED。"),
        description: Localized("The client loses power at 1 s, boots at 5 s and connects again at 6 s from a new ephemeral port. The server accepts it as a new connection while the old one, whose peer is gone, stays ESTABLISHED (see --sockets-at 8).",
                               "客户端在 1 s 断电、5 s 重启，6 s 时从新的临时端口再次连接。服务端把它当作新连接接受，而对端已不存在的旧连接仍处于 ESTABLISHED（见 --sockets-at 8）。"),
        params: [.delay],
        suggestedSocketsAt: .seconds(8),
        build: { p in crashReconnect(p, samePort: false) })

    static let crashReconnectSamePort = CatalogueEntry(
        id: "crash-reconnect-same-port",
        title: Localized("A crashed client reconnects from the same port: challenge ACK, RST, then a new connection", "崩溃的客户端从相同端口重连：Challenge ACK、RST，然后新连接"),
        claim: Localized("If the client reconnects from the same source port, its SYN meets the old ESTABLISHED connection: the server answers with a challenge ACK carrying the real seq/ack; the client, not expecting it, sends RST; the server frees the old connection, and the client's retried SYN opens a new one.",
                         "若客户端从相同源端口重连，它的 SYN 落到旧的 ESTABLISHED 连接上：服务端回复携带真实序列号/确认号的 Challenge ACK；客户端收到后发现不是期望的，回复 RST；服务端释放旧连接，客户端重试的 SYN 建立新连接。"),
        description: Localized("The client binds port 40000, loses power at 1 s, boots at 5 s and connects from port 40000 again at 6 s. RFC 5961 §4: the SYN in ESTABLISHED draws a challenge ACK; SYN_SENT answers its unexpected ack with RST (seq = that ack), which is exactly rcv_nxt, so the server's old connection is reset (its read() fails with ECONNRESET); the client retries its SYN after 2 jiffies (8 ms) and the listener accepts it.",
                               "客户端绑定端口 40000，1 s 断电、5 s 重启，6 s 时再次从端口 40000 连接。RFC 5961 §4：ESTABLISHED 收到 SYN 回复 Challenge ACK；SYN_SENT 对意外的确认号回复 RST（seq 等于该 ack），恰好等于 rcv_nxt，于是服务端旧连接被重置（read() 返回 ECONNRESET）；客户端在 2 个时钟节拍（8 ms）后重发 SYN，被监听套接字接受。"),
        params: [.delay],
        suggestedSocketsAt: nil,
        build: { p in crashReconnect(p, samePort: true) })

    static let killConnectionForgedRst = CatalogueEntry(
        id: "kill-connection-forged-rst",
        title: Localized("Killing a connection from outside with a forged RST", "从外部用伪造的 RST 杀死连接"),
        claim: Localized("A forged RST kills a connection only with the same 4-tuple and a sequence number exactly at the receiver's rcv_nxt. Forging a SYN with that 4-tuple draws a challenge ACK that reveals the right number.",
                         "伪造的 RST 要杀死连接，必须四元组相同且序列号恰好等于接收方的 rcv_nxt。伪造一个四元组相同的 SYN，会引来暴露正确序列号的 Challenge ACK。"),
        description: Localized("An idle connection with an on-path observer. (1) A blind RST whose seq is in the window but not exact only draws a challenge ACK (RFC 5961 §3.2). (2) A forged SYN with the client's 4-tuple makes the server send a challenge ACK to the client; the observer reads its ack field. (3) An RST with seq = that ack resets the server's side (ECONNRESET), and one with seq = the challenge ACK's seq resets the client's.",
                               "一个空闲连接，路径上有观察者。(1) 序列号在窗口内但不精确的盲发 RST 只会引来 Challenge ACK（RFC 5961 §3.2）。(2) 使用客户端四元组伪造的 SYN 让服务端向客户端发送 Challenge ACK；观察者读到其中的 ack。(3) seq 等于该 ack 的 RST 重置服务端这一侧（ECONNRESET），seq 等于 Challenge ACK 的 seq 的 RST 重置客户端。"),
        params: [.delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.acceptedConnection(backlog: 8)
            b.at(0.1, "client", "c", .write(.text("hello")))
            b.at(0.05, "server", "conn", .read(max: 65536, untilEOF: false))   // "hello"
            b.at(0.2, "server", "conn", .read(max: 65536, untilEOF: false))    // blocks until the end
            b.at(0.2, "client", "c", .read(max: 65536, untilEOF: false))
            var s = b.scenario(duration: .seconds(4))
            // The attacker sits on the path, next to each host: its segments arrive at once.
            let blind = Injection(like: "client>server", flags: [.rst], seq: .observed(from: "client", to: "server", field: "next", offset: 1000))
            let syn = Injection(like: "client>server", flags: [.syn], seq: .observed(from: "client", to: "server", field: "next", offset: 5000))
            let rstServer = Injection(like: "client>server", flags: [.rst], seq: .observed(from: "server", to: "client", field: "ack", offset: 0))
            let rstClient = Injection(like: "server>client", flags: [.rst], seq: .observed(from: "server", to: "client", field: "seq", offset: 0))
            s.faults = [
                FaultStep(at: .seconds(1), fault: .inject(blind)),
                FaultStep(at: .seconds(2), fault: .inject(syn)),
                FaultStep(at: .ms(2500), fault: .inject(rstServer)),
                FaultStep(at: .ms(2500), fault: .inject(rstClient)),   // 2.5 s: after the challenge ACK reached the client
            ]
            return s
        })

    static let outOfOrderFin = CatalogueEntry(
        id: "out-of-order-fin",
        title: Localized("A FIN that overtakes data waits in the out-of-order queue", "超车的 FIN 在乱序队列中等待"),
        claim: Localized("An out-of-order FIN received in FIN_WAIT_2 goes to the out-of-order queue; the connection enters TIME_WAIT only when the missing data arrives and the FIN becomes in order.",
                         "FIN_WAIT_2 状态下收到乱序的 FIN 会加入乱序队列；只有缺失的数据到达、FIN 变为有序后，连接才进入 TIME_WAIT。"),
        description: Localized("The client sends a request and half-closes with shutdown(SHUT_WR) (FIN_WAIT_2, not orphaned). The server answers and closes, but the network delays its data segment by `hold` so the FIN arrives first: the client keeps it out of order (duplicate ACK with a SACK block) and stays in FIN_WAIT_2; when the data arrives, both are delivered, read() returns the data then 0, and the client enters TIME_WAIT.",
                               "客户端发送请求后用 shutdown(SHUT_WR) 半关闭（FIN_WAIT_2，非孤儿）。服务端回复并关闭，但网络把它的数据报文延迟 `hold`，FIN 先到达：客户端把 FIN 放入乱序队列（回复带 SACK 块的重复 ACK），仍处于 FIN_WAIT_2；数据到达后两者一起交付，read() 先返回数据再返回 0，客户端进入 TIME_WAIT。"),
        params: [CatalogueParam("hold", .time(max: .seconds(10)), default: "100ms", Localized("How long the network holds the server's data segment.", "网络扣留服务端数据报文的时长。")), .delay],
        suggestedSocketsAt: .ms(600),
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.acceptedConnection(backlog: 8)
            b.at(0.1, "client", "c", .write(.text("request")))
            b.at(0.2, "client", "c", .shutdown(.SHUT_WR))
            b.at(0.2, "client", "c", .read(max: 65536, untilEOF: false))   // "response"
            b.at(0.2, "client", "c", .read(max: 65536, untilEOF: false))   // 0: end of file
            b.at(0.05, "server", "conn", .read(max: 65536, untilEOF: false))
            b.at(0.05, "server", "conn", .read(max: 65536, untilEOF: false))
            b.at(0.5, "server", "conn", .write(.text("response")))
            b.at(0.5, "server", "conn", .close)
            var s = b.scenario(duration: .seconds(62))
            s.rules = [NetRule(from: "server", dataOnly: true, nth: 1, action: .delay(p.time("hold")))]
            return s
        })

    /// The server closes first (so it holds TIME_WAIT); the client reconnects from the same port at 2 s.
    static func timeWaitReconnect(_ p: ParamValues, legal: Bool) -> Scenario {
        var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
        if !legal { b.hosts[0].sysctls = [("tcp_timestamps", .int(0))] }
        b.listener(port: 8888, backlog: 8)
        b.at(0, "server", "ls", .accept(as: "first"))
        b.at(0, "client", "c", .socket)
        b.at(0, "client", "c", .setsockopt(.SO_REUSEADDR, 1))
        b.at(0, "client", "c", .bind(ip: nil, port: 40000))
        b.at(0, "client", "c", .connect(Target(host: "server", port: 8888)))
        b.at(0.1, "client", "c", .read(max: 65536, untilEOF: false))   // "bye"
        b.at(0.1, "client", "c", .read(max: 65536, untilEOF: false))   // 0: end of file
        b.at(0.1, "client", "c", .close)
        b.at(0.5, "server", "first", .write(.text("bye")))
        b.at(0.5, "server", "first", .close)
        b.at(1, "server", "ls", .accept(as: "second"))
        b.at(2, "client", "c2", .socket)
        b.at(2, "client", "c2", .setsockopt(.SO_REUSEADDR, 1))
        b.at(2, "client", "c2", .bind(ip: nil, port: 40000))
        var t = Target(host: "server", port: 8888)
        // An old duplicate: the SYN's sequence number is below what TIME_WAIT expects.
        if !legal { t.isn = .observed(from: "server", to: "client", field: "ack", offset: -100_000) }
        b.at(2, "client", "c2", .connect(t))
        b.at(2.5, "client", "c2", .write(.text("hello again")))
        b.at(2.5, "server", "second", .read(max: 65536, untilEOF: false))
        return b.scenario(duration: .seconds(5))
    }

    static let timeWaitLegalSyn = CatalogueEntry(
        id: "time-wait-legal-syn",
        title: Localized("TIME_WAIT receiving a legal SYN reuses the 4-tuple", "TIME_WAIT 收到合法 SYN：复用四元组"),
        claim: Localized("A TIME_WAIT connection receiving a legal SYN (higher sequence number, or newer timestamp) reuses the 4-tuple and skips the rest of 2MSL, going straight to SYN_RECV.",
                         "处于 TIME_WAIT 的连接收到合法的 SYN（序列号更大或时间戳更新）后，会重用此四元组，跳过 2MSL 直接进入 SYN_RECV。"),
        description: Localized("The server closes first and holds TIME_WAIT for the 4-tuple (server:8888, client:40000). At 2 s the client connects again from port 40000; its SYN has a newer timestamp and a higher ISN, so TIME_WAIT hands it to the listener (ISN = old snd_nxt + 65537) and the new connection is accepted at once.",
                               "服务端先关闭，持有四元组 (server:8888, client:40000) 的 TIME_WAIT。2 s 时客户端再次从端口 40000 连接；它的 SYN 时间戳更新、ISN 更大，TIME_WAIT 把它交给监听套接字（ISN = 旧 snd_nxt + 65537），新连接立即被接受。"),
        params: [.delay],
        suggestedSocketsAt: .ms(1500),
        build: { p in timeWaitReconnect(p, legal: true) })

    static let timeWaitIllegalSyn = CatalogueEntry(
        id: "time-wait-illegal-syn",
        title: Localized("TIME_WAIT receiving an old SYN answers with the last ACK", "TIME_WAIT 收到非法 SYN：回复最后的 ACK"),
        claim: Localized("An illegal SYN (older sequence number, no newer timestamp) reaching TIME_WAIT is answered with the fourth-wave ACK again; the client, seeing an unexpected ack number, sends RST.",
                         "处于 TIME_WAIT 的连接收到非法的 SYN（序列号更小且时间戳不更新），会再回复一个第四次挥手的 ACK；客户端发现确认号不是期望的，回复 RST。"),
        description: Localized("As time-wait-legal-syn, but the client has timestamps off and its SYN's sequence number is below what TIME_WAIT expects (set with the scenario's isn knob). TIME_WAIT answers with its last ACK; SYN_SENT answers that with RST (seq = its ack); with tcp_rfc1337 = 0 the RST ends TIME_WAIT, and the client's SYN, retried 8 ms later, reaches the listener.",
                               "与 time-wait-legal-syn 相同，但客户端关闭了时间戳，且其 SYN 的序列号小于 TIME_WAIT 的期望值（用场景的 isn 参数设置）。TIME_WAIT 回复最后的 ACK；SYN_SENT 用 RST（seq 等于该 ack）回应；tcp_rfc1337 = 0 时该 RST 结束 TIME_WAIT，客户端 8 ms 后重发的 SYN 到达监听套接字。"),
        params: [.delay],
        suggestedSocketsAt: nil,
        build: { p in timeWaitReconnect(p, legal: false) })

    static let synDropQueueFull = CatalogueEntry(
        id: "syn-drop-queue-full",
        title: Localized("SYNs dropped when the listen queues are full", "队列满时 SYN 被丢弃"),
        claim: Localized("SYNs are dropped when the SYN queue is full (without SYN cookies) or when the accept queue is full (always); the client retransmits them.",
                         "半连接队列满（且未开启 SYN cookies）或全连接队列满（无论如何）时，SYN 会被丢弃；客户端会重传。"),
        description: Localized("backlog = 1 and clients connecting `stagger` apart. The first two fill the accept queue (it holds backlog + 1); the third SYN finds it full and is dropped (ListenOverflows); its retransmissions, 1 s apart, are dropped too until accept() makes room. With stagger 1ms and tcp_syncookies=0, SYNs beyond the SYN queue (also backlog + 1) are dropped instead of answered with cookies.",
                               "backlog = 1，客户端间隔 `stagger` 发起连接。前两个填满全连接队列（可容纳 backlog + 1 个）；第三个 SYN 发现队列已满被丢弃（ListenOverflows）；它每隔 1 s 的重传也被丢弃，直到 accept() 腾出空间。stagger 为 1ms 且 tcp_syncookies=0 时，超出半连接队列（同样 backlog + 1）的 SYN 被丢弃，而不是用 cookie 回复。"),
        params: [CatalogueParam("clients", .int(1...64), default: "3", Localized("How many clients connect.", "发起连接的客户端数量。")),
                 CatalogueParam("stagger", .time(max: .seconds(10)), default: "50ms", Localized("Time between two clients' connect() calls.", "相邻两个客户端调用 connect() 的时间间隔。")),
                 CatalogueParam("backlog", .int(0...4096), default: "1", Localized("listen() backlog.", "listen() 的 backlog。")),
                 CatalogueParam("tcp_syncookies", .int(0...2), default: "1", Localized("Server sysctl.", "服务端 sysctl。")),
                 CatalogueParam("accept_at", .time(max: .seconds(100)), default: "2s", Localized("When the server starts calling accept().", "服务端开始调用 accept() 的时间。")),
                 .delay],
        suggestedSocketsAt: .ms(500),
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.hosts[1].sysctls = [("tcp_syncookies", .int(p.int("tcp_syncookies")))]
            b.listener(port: 8888, backlog: p.int("backlog"))
            let n = p.int("clients")
            for k in 1...n {
                b.at(p.time("stagger") * Int64(k - 1), "client", "c\(k)", .socket)
                b.at(p.time("stagger") * Int64(k - 1), "client", "c\(k)", .connect(Target(host: "server", port: 8888)))
                b.at(p.time("accept_at"), "server", "ls", .accept(as: "conn\(k)"))
            }
            return b.scenario(duration: p.time("accept_at") + .seconds(10))
        })

    static let synDropTwRecycleNat = CatalogueEntry(
        id: "syn-drop-tw-recycle-nat",
        title: Localized("tcp_tw_recycle behind NAT drops SYNs (Linux ≤ 4.11)", "NAT 环境下开启 tcp_tw_recycle 导致 SYN 被丢弃（Linux ≤ 4.11）"),
        claim: Localized("With tcp_tw_recycle on, a server remembers each peer IP's last timestamp; behind a NAT, hosts with unrelated timestamp clocks share one IP, so SYNs from the host whose clock lags are dropped silently.",
                         "开启 tcp_tw_recycle 后，服务端记住每个对端 IP 最后的时间戳；在 NAT 后面，时间戳时钟互不相关的多台主机共用一个 IP，时钟落后的主机发出的 SYN 会被静默丢弃。"),
        description: Localized("Two clients behind a NAT (public 203.0.113.1), with timestamps that count from boot (tcp_timestamps = 2, as before Linux 4.10): c1 has been up 10 days, c2 one hour. The server (tcp_tw_recycle = 1, removed in 4.12) closes c1's connection first and remembers c1's large timestamp for the NAT's IP. c2's SYNs carry smaller timestamps and are dropped until 60 s have passed; its connect() succeeds only then. Set tcp_tw_recycle=0 to see it connect at once.",
                               "两个客户端位于 NAT 之后（公网地址 203.0.113.1），时间戳从开机开始计数（tcp_timestamps = 2，与 Linux 4.10 之前相同）：c1 已运行 10 天，c2 只运行了一小时。服务端（tcp_tw_recycle = 1，4.12 已移除）先关闭 c1 的连接，为 NAT 的 IP 记住 c1 较大的时间戳。c2 的 SYN 时间戳较小，在 60 秒内都被丢弃；直到那时它的 connect() 才成功。设置 tcp_tw_recycle=0 可以看到它立即连上。"),
        params: [CatalogueParam("tcp_tw_recycle", .int(0...1), default: "1", Localized("Server sysctl (historical).", "服务端 sysctl（历史）。")), .delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder()
            let ts2: [(String, SysctlValue)] = [("tcp_timestamps", .int(2))]
            b.hosts = [
                HostSpec(name: "c1", ip: IPv4("192.168.1.11")!, sysctls: ts2, uptime: .seconds(10 * 86400)),
                HostSpec(name: "c2", ip: IPv4("192.168.1.12")!, sysctls: ts2, uptime: .seconds(3600)),
                HostSpec(name: "server", ip: IPv4("10.0.0.2")!, sysctls: [("tcp_tw_recycle", .int(p.int("tcp_tw_recycle")))]),
            ]
            b.links = [LinkSpec("c1", "server", delay: p.time("delay")), LinkSpec("c2", "server", delay: p.time("delay"))]
            b.listener(port: 80, backlog: 8)
            b.at(0, "server", "ls", .accept(as: "conn1"))
            b.at(0, "c1", "a", .socket)
            b.at(0, "c1", "a", .connect(Target(host: "server", port: 80)))
            b.at(0.1, "c1", "a", .read(max: 65536, untilEOF: true))
            b.at(0.1, "c1", "a", .close)
            b.at(0.5, "server", "conn1", .write(.text("HTTP/1.1 200 OK")))
            b.at(0.5, "server", "conn1", .close)
            b.at(1, "server", "ls", .accept(as: "conn2"))
            b.at(2, "c2", "b", .socket)
            b.at(2, "c2", "b", .connect(Target(host: "server", port: 80)))
            b.at(2, "c2", "b", .close)
            var s = b.scenario(duration: .seconds(140))
            s.nats = [NATSpec(publicIP: IPv4("203.0.113.1")!, inside: ["c1", "c2"])]
            return s
        })
}
