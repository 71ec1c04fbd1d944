// Catalogue scenarios about crashes, reboots and cables (claims 10 and 11 of the notes).

extension Catalogue {
    /// A client connected to a server that reads until EOF and then closes.
    static func idleConnection(_ b: inout ScenarioBuilder, serverReads: Bool = true) {
        b.acceptedConnection(backlog: 8)
        if serverReads { b.at(0.1, "server", "conn", .read(max: 65536, untilEOF: true)) }
    }

    static let processCrash = CatalogueEntry(
        id: "process-crash",
        title: Localized("A process crash: the kernel still closes the connection", "进程崩溃：内核仍会关闭连接"),
        claim: Localized("When a process crashes, its kernel notices and closes its sockets: the peer receives a FIN and the four-way close happens.",
                         "进程崩溃时内核能感知到，会关闭它的套接字：对端收到 FIN，完成四次挥手。"),
        description: Localized("An idle connection; at crash_at the client process dies. Its kernel sends FIN as if close() had been called; the server reads EOF and closes; the client's orphaned socket goes through FIN_WAIT_2 to TIME_WAIT.",
                               "一个空闲连接；在 crash_at 时客户端进程崩溃。它的内核像调用了 close() 一样发送 FIN；服务端读到 EOF 后关闭；客户端的孤儿套接字经 FIN_WAIT_2 进入 TIME_WAIT。"),
        params: [CatalogueParam("crash_at", .time(max: .seconds(100)), default: "1s", Localized("When the client process crashes.", "客户端进程崩溃的时间。")), .delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            idleConnection(&b)
            b.at(p.time("crash_at") + .ms(1), "server", "conn", .close)   // queued behind the read: closes right after EOF
            var s = b.scenario(duration: p.time("crash_at") + .seconds(62))
            s.faults = [FaultStep(at: p.time("crash_at"), fault: .crash(host: "client"))]
            return s
        })

    static let hostCrashIdle = CatalogueEntry(
        id: "host-crash-idle",
        title: Localized("A host loses power on an idle connection: nobody notices", "空闲连接上主机断电：没有人察觉"),
        claim: Localized("If the client host crashes while the connection is idle and there is no keepalive, the server cannot tell: its side stays ESTABLISHED until its own process ends it.",
                         "客户端主机崩溃时，若没有数据交互且未开启 keepalive，服务端无法感知：连接会一直处于 ESTABLISHED，直到服务端进程结束它。"),
        description: Localized("The client host is powered off at 1 s. Nothing is sent; an hour later (see --sockets-at 3600) the server still shows the connection ESTABLISHED, its read() still blocked.",
                               "客户端主机在 1 s 时断电。没有任何报文发出；一小时后（见 --sockets-at 3600）服务端仍显示连接为 ESTABLISHED，read() 仍在阻塞。"),
        params: [CatalogueParam("watch", .time(max: .seconds(100_000)), default: "3600s", Localized("How long to watch.", "观察多长时间。")), .delay],
        suggestedSocketsAt: .seconds(3600),
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            idleConnection(&b)
            var s = b.scenario(duration: p.time("watch"))
            s.faults = [FaultStep(at: .seconds(1), fault: .powerOff(host: "client"))]
            return s
        })

    static let hostCrashWithData = CatalogueEntry(
        id: "host-crash-with-data",
        title: Localized("A host loses power while data is sent: retransmit until the retries run out", "发送数据时对端主机断电：重传直到次数用尽"),
        claim: Localized("If the peer host is down while we send data, TCP retransmits with exponential backoff until tcp_retries2 is exhausted (about 924.6 s by default), then the connection fails with ETIMEDOUT, without an RST.",
                         "对端主机宕机时若有数据要发送，TCP 会以指数退避重传，直到用尽 tcp_retries2（默认约 924.6 秒），然后连接以 ETIMEDOUT 失败，不发送 RST。"),
        description: Localized("The client host is powered off at 1 s; the server writes at 2 s. Watch the tail loss probe, then the RTO doubling up to 120 s, and the read() that fails with ETIMEDOUT when the time budget of tcp_retries2 is spent.",
                               "客户端主机在 1 s 时断电；服务端在 2 s 时写数据。观察尾部丢失探测（TLP），然后 RTO 翻倍直到 120 s，以及在 tcp_retries2 的时间预算用尽时以 ETIMEDOUT 失败的 read()。"),
        params: [CatalogueParam("tcp_retries2", .int(1...30), default: "15", Localized("Server sysctl: the retransmission budget.", "服务端 sysctl：重传预算。")), .delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.hosts[1].sysctls = [("tcp_retries2", .int(p.int("tcp_retries2")))]
            idleConnection(&b, serverReads: false)
            b.at(2, "server", "conn", .write(.text("hello? are you there?")))
            b.at(2, "server", "conn", .read(max: 65536, untilEOF: false))
            b.at(2, "server", "conn", .close)   // after the read fails
            var s = b.scenario(duration: .seconds(1200))
            s.faults = [FaultStep(at: .seconds(1), fault: .powerOff(host: "client"))]
            return s
        })

    static let hostRebootRst = CatalogueEntry(
        id: "host-reboot-rst",
        title: Localized("A rebooted host answers the old connection with RST", "重启后的主机用 RST 回应旧连接"),
        claim: Localized("Once the crashed host is back, any segment of the old connection finds no socket and is answered with RST, which ends the connection on the other side.",
                         "崩溃的主机重启后，旧连接的任何报文都找不到套接字，会收到 RST，从而结束另一端的连接。"),
        description: Localized("The client host loses power at 1 s and boots at 10 s. At 20 s the server, still ESTABLISHED, writes: the client's new stack answers RST (seq = the data's ack) and the server's blocked read() fails with ECONNRESET.",
                               "客户端主机在 1 s 断电、10 s 重启。20 s 时仍处于 ESTABLISHED 的服务端写数据：客户端新的协议栈回复 RST（seq 等于数据的 ack），服务端阻塞的 read() 以 ECONNRESET 失败。"),
        params: [CatalogueParam("write_at", .time(max: .seconds(1000)), default: "20s", Localized("When the server writes.", "服务端写数据的时间。")), .delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            idleConnection(&b, serverReads: false)
            b.at(p.time("write_at"), "server", "conn", .write(.text("still there?")))
            b.at(p.time("write_at"), "server", "conn", .read(max: 65536, untilEOF: false))
            b.at(p.time("write_at") + .ms(900), "server", "conn", .close)
            var s = b.scenario(duration: p.time("write_at") + .seconds(5))
            s.faults = [FaultStep(at: .seconds(1), fault: .powerOff(host: "client")), FaultStep(at: .seconds(10), fault: .boot(host: "client"))]
            return s
        })

    static let cableUnplugIdle = CatalogueEntry(
        id: "cable-unplug-idle",
        title: Localized("Cable unplugged on an idle connection: it survives", "空闲连接拔掉网线：连接依然存在"),
        claim: Localized("With no data in flight and no keepalive, pulling the cable changes nothing: both sides stay ESTABLISHED, and the connection works again when the cable returns.",
                         "没有数据传输且未开启 keepalive 时，拔掉网线不会改变什么：双方都保持 ESTABLISHED，网线插回后连接照常工作。"),
        description: Localized("The cable is pulled at 1 s and put back at replug_at. Nothing is sent meanwhile; afterwards the client sends a message and it arrives as if nothing had happened.",
                               "网线在 1 s 拔出，在 replug_at 插回。期间没有任何报文；之后客户端发送消息，就像什么都没发生一样被收到。"),
        params: [CatalogueParam("replug_at", .time(max: .seconds(100_000)), default: "600s", Localized("When the cable is plugged back.", "网线插回的时间。")), .delay],
        suggestedSocketsAt: .seconds(300),
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            idleConnection(&b)
            let back = p.time("replug_at")
            b.at(back + .seconds(1), "client", "c", .write(.text("still here")))
            b.at(back + .seconds(2), "client", "c", .close)
            b.at(back + .ms(2100), "server", "conn", .close)
            var s = b.scenario(duration: back + .seconds(5))
            s.faults = [FaultStep(at: .seconds(1), fault: .unplug("client", "server")), FaultStep(at: back, fault: .replug("client", "server"))]
            return s
        })

    static let cableUnplugWithData = CatalogueEntry(
        id: "cable-unplug-with-data",
        title: Localized("Cable unplugged while sending: retransmission recovers if the cable returns in time", "发送数据时拔掉网线：网线及时插回则重传恢复"),
        claim: Localized("With data in flight, the sender retransmits on its backed-off timer; if the cable comes back before the retries run out, the next retransmission gets through and the connection carries on.",
                         "有数据在传输时，发送方按退避的定时器重传；若网线在重传次数用尽前插回，下一次重传就能到达，连接继续。"),
        description: Localized("The cable is pulled at 1 s; the client writes at 2 s. Retransmissions are lost until replug_at; the first one after it is delivered and ACKed. Set replug_at beyond ~924 s to see ETIMEDOUT instead.",
                               "网线在 1 s 拔出；客户端在 2 s 写数据。重传一直丢失直到 replug_at；之后的第一次重传被送达并确认。把 replug_at 设为约 924 s 之后，可以看到 ETIMEDOUT。"),
        params: [CatalogueParam("replug_at", .time(max: .seconds(2000)), default: "10s", Localized("When the cable is plugged back.", "网线插回的时间。")), .delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            idleConnection(&b, serverReads: false)
            b.at(0.1, "server", "conn", .read(max: 65536, untilEOF: false))   // "important data", when it gets through
            b.at(0.1, "server", "conn", .read(max: 65536, untilEOF: true))    // then the end
            b.at(0.1, "server", "conn", .close)
            b.at(2, "client", "c", .write(.text("important data")))
            let back = p.time("replug_at")
            b.at(max(back, .seconds(10)) + .seconds(8), "client", "c", .close)
            var s = b.scenario(duration: max(back, .seconds(1000)) + .seconds(200))
            s.faults = [FaultStep(at: .seconds(1), fault: .unplug("client", "server")), FaultStep(at: back, fault: .replug("client", "server"))]
            return s
        })

    static let cableUnplugKeepalive = CatalogueEntry(
        id: "cable-unplug-keepalive",
        title: Localized("Cable unplugged with keepalive: probes, then ETIMEDOUT", "拔掉网线且开启 keepalive：探测，然后 ETIMEDOUT"),
        claim: Localized("With TCP keepalive on, after the idle time the kernel sends probes; when they all go unanswered the connection is aborted (RST) and the application gets ETIMEDOUT.",
                         "开启 TCP keepalive 后，空闲一段时间内核会发送探测报文；全部无人应答时连接被中止（发送 RST），应用得到 ETIMEDOUT。"),
        description: Localized("The server sets SO_KEEPALIVE (keepidle, keepintvl, keepcnt as parameters; Linux defaults 7200 s, 75 s, 9). The cable is pulled at 1 s. Probes are ACKs with seq = snd_una − 1 and no data; after keepcnt unanswered probes the server sends RST|ACK and its read() fails with ETIMEDOUT.",
                               "服务端设置 SO_KEEPALIVE（keepidle、keepintvl、keepcnt 可调；Linux 默认 7200 s、75 s、9）。网线在 1 s 拔出。探测报文是 seq = snd_una − 1、不带数据的 ACK；keepcnt 次探测都无应答后，服务端发送 RST|ACK，read() 以 ETIMEDOUT 失败。"),
        params: [CatalogueParam("keepidle", .int(1...32767), default: "7200", Localized("TCP_KEEPIDLE, seconds.", "TCP_KEEPIDLE，秒。")),
                 CatalogueParam("keepintvl", .int(1...32767), default: "75", Localized("TCP_KEEPINTVL, seconds.", "TCP_KEEPINTVL，秒。")),
                 CatalogueParam("keepcnt", .int(1...127), default: "9", Localized("TCP_KEEPCNT.", "TCP_KEEPCNT。")), .delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.acceptedConnection(backlog: 8)
            b.at(0.1, "server", "conn", .setsockopt(.SO_KEEPALIVE, 1))
            b.at(0.1, "server", "conn", .setsockopt(.TCP_KEEPIDLE, p.int("keepidle")))
            b.at(0.1, "server", "conn", .setsockopt(.TCP_KEEPINTVL, p.int("keepintvl")))
            b.at(0.1, "server", "conn", .setsockopt(.TCP_KEEPCNT, p.int("keepcnt")))
            b.at(0.1, "server", "conn", .read(max: 65536, untilEOF: true))
            b.at(0.1, "server", "conn", .close)   // after the read fails
            let end = TimeSpan.seconds(Int64(p.int("keepidle") + p.int("keepintvl") * (p.int("keepcnt") + 1) + 60))
            var s = b.scenario(duration: end)
            s.faults = [FaultStep(at: .seconds(1), fault: .unplug("client", "server"))]
            return s
        })
}
