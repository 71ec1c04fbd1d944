// Catalogue scenarios about ports, listen queues and opening connections (claims 1, 2, 12, 13).

extension Catalogue {
    static let portInUse = CatalogueEntry(
        id: "port-in-use",
        title: Localized("Who holds the port? EADDRINUSE and the socket table", "谁占用了端口？EADDRINUSE 与套接字表"),
        claim: Localized("Find who holds a port with `ss -tanp` (Linux) or `netstat -ano | findstr 8888` (Windows): a second bind() to a port a listener holds fails with EADDRINUSE, even with SO_REUSEADDR.",
                         "用 `ss -tanp`（Linux）或 `netstat -ano | findstr 8888`（Windows）查看端口占用：监听套接字占用的端口再次 bind() 会失败（EADDRINUSE），即使设置了 SO_REUSEADDR。"),
        description: Localized("The server listens on the port; a second socket tries to bind the same port and gets EADDRINUSE. A client connects, so the socket table (`--sockets-at 0.5`) shows the LISTEN socket and the ESTABLISHED connection that hold the port.",
                               "服务端在端口上监听；第二个套接字尝试 bind 同一端口，得到 EADDRINUSE。客户端建立连接后，套接字表（`--sockets-at 0.5`）显示占用该端口的 LISTEN 套接字和 ESTABLISHED 连接。"),
        params: [.port, CatalogueParam("reuseaddr", .int(0...1), default: "0", Localized("Set SO_REUSEADDR on both server sockets (it does not help against a listener).", "在两个服务端套接字上设置 SO_REUSEADDR（对监听套接字无效）。")), .delay],
        suggestedSocketsAt: .ms(500),
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            let port = UInt16(p.int("port"))
            b.at(0, "server", "ls", .socket)
            if p.int("reuseaddr") == 1 { b.at(0, "server", "ls", .setsockopt(.SO_REUSEADDR, 1)) }
            b.at(0, "server", "ls", .bind(ip: nil, port: port))
            b.at(0, "server", "ls", .listen(backlog: 128))
            b.at(0, "server", "ls", .accept(as: "conn"))
            b.at(0.001, "server", "s2", .socket)
            if p.int("reuseaddr") == 1 { b.at(0.001, "server", "s2", .setsockopt(.SO_REUSEADDR, 1)) }
            b.at(0.001, "server", "s2", .bind(ip: nil, port: port))
            b.at(0.002, "server", "s2", .close)
            b.connect(port: port, at: 0.1)
            b.at(0.2, "server", "conn", .read(max: 65536, untilEOF: true))
            b.at(1.0, "client", "c", .close)
            b.at(1.1, "server", "conn", .close)
            b.at(1.2, "server", "ls", .close)
            return b.scenario(duration: .seconds(2))
        })

    static let handshakeQueues = CatalogueEntry(
        id: "handshake-queues",
        title: Localized("The SYN queue, the accept queue, and when connect() and accept() return", "半连接队列、全连接队列，以及 connect() 与 accept() 何时返回"),
        claim: Localized("listen() makes the kernel keep a SYN (half-open) queue and an accept (full) queue. accept() only takes a finished connection off the accept queue and plays no part in the handshake. connect() returns at the second handshake (SYN-ACK received); accept() returns after the third.",
                         "listen() 之后内核维护半连接队列和全连接队列。accept() 只是从全连接队列取出已完成的连接，不参与三次握手。客户端 connect() 在第二次握手（收到 SYN-ACK）时返回，服务端 accept() 在第三次握手完成后返回。"),
        description: Localized("Clients connect at t=0; the server calls accept() only later (accept_at). connect() returns one round trip after the SYN, the connection waits in the accept queue, and accept() returns at once when finally called. With more clients than backlog+1 the accept queue overflows: watch tcp_abort_on_overflow.",
                               "客户端在 t=0 发起连接；服务端稍后（accept_at）才调用 accept()。connect() 在一个往返后返回，连接在全连接队列中等待，accept() 被调用时立即返回。客户端数超过 backlog+1 时全连接队列溢出：观察 tcp_abort_on_overflow 的作用。"),
        params: [CatalogueParam("backlog", .int(0...4096), default: "8", Localized("listen() backlog (clamped by somaxconn).", "listen() 的 backlog（受 somaxconn 限制）。")),
                 CatalogueParam("clients", .int(1...64), default: "1", Localized("How many client sockets connect at t=0.", "在 t=0 发起连接的客户端套接字数量。")),
                 CatalogueParam("stagger", .time(max: .seconds(10)), default: "1ms", Localized("Time between two clients' connect() calls.", "相邻两个客户端调用 connect() 的时间间隔。")),
                 CatalogueParam("accept_at", .time(max: .seconds(100)), default: "500ms", Localized("When the server starts calling accept().", "服务端开始调用 accept() 的时间。")),
                 CatalogueParam("tcp_abort_on_overflow", .int(0...1), default: "0", Localized("Server sysctl: RST instead of dropping the final ACK when the accept queue is full.", "服务端 sysctl：全连接队列满时用 RST 回应而不是丢弃第三次握手的 ACK。")),
                 .delay],
        suggestedSocketsAt: .ms(100),
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.hosts[1].sysctls = [("tcp_abort_on_overflow", .int(p.int("tcp_abort_on_overflow")))]
            b.listener(port: 8888, backlog: p.int("backlog"))
            let n = p.int("clients")
            for k in 1...n {
                let label = n == 1 ? "c" : "c\(k)"
                b.at(p.time("stagger") * Int64(k - 1), "client", label, .socket)
                b.at(p.time("stagger") * Int64(k - 1), "client", label, .connect(Target(host: "server", port: 8888)))
                b.at(p.time("accept_at"), "server", "ls", .accept(as: n == 1 ? "conn" : "conn\(k)"))
            }
            let end = max(p.time("accept_at") + .ms(500), .seconds(1))
            for k in 1...n { b.at(end, "client", n == 1 ? "c" : "c\(k)", .close) }
            for k in 1...n { b.at(end + .ms(200), "server", n == 1 ? "conn" : "conn\(k)", .close) }
            b.at(end + .ms(300), "server", "ls", .close)
            return b.scenario(duration: end + .seconds(2))
        })

    static let noListenRst = CatalogueEntry(
        id: "no-listen-rst",
        title: Localized("bind() without listen(): the SYN is answered with RST", "只 bind 不 listen：SYN 被 RST 回应"),
        claim: Localized("A server that bound a port but did not call listen() answers a SYN with RST; the client's connect() fails with ECONNREFUSED.",
                         "服务端只 bind 了地址和端口而没有调用 listen()，客户端发起连接时服务端回复 RST，客户端 connect() 失败（ECONNREFUSED）。"),
        description: Localized("A bound-only socket is not in the kernel's listening or established tables, so the SYN finds no socket: tcp_v4_send_reset() answers RST|ACK with seq 0 and ack = ISN+1.",
                               "只 bind 的套接字不在内核的监听表和连接表中，SYN 找不到套接字：tcp_v4_send_reset() 回复 RST|ACK，seq 为 0，ack 为 ISN+1。"),
        params: [.port, .delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            let port = UInt16(p.int("port"))
            b.at(0, "server", "s", .socket)
            b.at(0, "server", "s", .bind(ip: nil, port: port))
            b.connect(port: port, at: 0.1)
            b.at(0.5, "client", "c", .close)
            b.at(1.0, "server", "s", .close)
            return b.scenario(duration: .ms(1500))
        })

    static let selfConnect = CatalogueEntry(
        id: "self-connect",
        title: Localized("TCP self-connect: a connection without listen()", "TCP 自连接：没有 listen() 的连接"),
        claim: Localized("A connection can form without listen(): a socket that connects to its own address and port connects to itself.",
                         "没有 listen() 也能建立 TCP 连接：套接字连接自己的地址和端口，就会自己连上自己。"),
        description: Localized("One socket binds 10.0.0.1:50000 and connects to 10.0.0.1:50000. Its SYN comes back to itself: SYN_SENT receiving a SYN is a simultaneous open, so it answers SYN-ACK, accepts its own SYN-ACK (Linux 6.11+), and what it writes it reads back.",
                               "一个套接字 bind 10.0.0.1:50000 并连接 10.0.0.1:50000。它的 SYN 回到自己：SYN_SENT 收到 SYN 属于同时打开，于是回复 SYN-ACK，接受自己的 SYN-ACK（Linux 6.11+），写入的数据又被自己读回。"),
        params: [CatalogueParam("port", .int(1...65535), default: "50000", Localized("The port bound and connected to.", "绑定并连接的端口。"))],
        suggestedSocketsAt: .ms(50),
        build: { p in
            var b = ScenarioBuilder()
            b.hosts = [HostSpec(name: "client", ip: IPv4("10.0.0.1")!)]
            let port = UInt16(p.int("port"))
            b.at(0, "client", "c", .socket)
            b.at(0, "client", "c", .bind(ip: IPv4("10.0.0.1"), port: port))
            b.at(0, "client", "c", .connect(Target(ip: IPv4("10.0.0.1")!, port: port)))
            b.at(0.1, "client", "c", .write(.text("hi")))
            b.at(0.1, "client", "c", .read(max: 65536, untilEOF: false))
            b.at(0.3, "client", "c", .close)
            return b.scenario(duration: .seconds(2))
        })

    static let simultaneousOpen = CatalogueEntry(
        id: "simultaneous-open",
        title: Localized("Simultaneous open: two connects, no listener", "同时打开：两端同时 connect，没有监听"),
        claim: Localized("Two clients that send SYNs to each other at the same time form one connection without any listen().",
                         "两个客户端同时向对方发起连接，不需要任何 listen() 也能建立一条连接。"),
        description: Localized("Both hosts bind a port and connect to the other's at t=0. The SYNs cross; each side moves SYN_SENT → SYN_RECV and answers SYN-ACK; each accepts the other's SYN-ACK (Linux 6.11+) and sends a final ACK with a D-SACK for the repeated SYN. Both connect() calls return 0.",
                               "两台主机各自 bind 一个端口，并在 t=0 连接对方。两个 SYN 交叉；双方都从 SYN_SENT 进入 SYN_RECV 并回复 SYN-ACK；各自接受对方的 SYN-ACK（Linux 6.11+），再发送带 D-SACK 的 ACK。两个 connect() 都返回 0。"),
        params: [.delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.at(0, "client", "a", .socket)
            b.at(0, "client", "a", .bind(ip: nil, port: 40000))
            b.at(0, "client", "a", .connect(Target(host: "server", port: 40001)))
            b.at(0, "server", "b", .socket)
            b.at(0, "server", "b", .bind(ip: nil, port: 40001))
            b.at(0, "server", "b", .connect(Target(host: "client", port: 40000)))
            b.at(1.0, "client", "a", .close)
            b.at(1.0, "server", "b", .close)
            return b.scenario(duration: .seconds(2))
        })
}
