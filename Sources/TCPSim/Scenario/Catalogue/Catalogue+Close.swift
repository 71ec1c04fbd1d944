// Catalogue scenarios about closing (claims 4, 14 and 16).

extension Catalogue {
    static let fourWayClose = CatalogueEntry(
        id: "four-way-close",
        title: Localized("The four-way close, FIN_WAIT_2, CLOSE_WAIT and TIME_WAIT", "四次挥手：FIN_WAIT_2、CLOSE_WAIT 与 TIME_WAIT"),
        claim: Localized("Client close() → FIN_WAIT_1; the server's kernel ACKs → CLOSE_WAIT; client → FIN_WAIT_2. The FIN puts an EOF after the data: read() returns 0. Server close() → FIN, LAST_ACK; the client ACKs → TIME_WAIT; server → CLOSED; client → CLOSED after 2MSL.",
                         "客户端 close() → FIN_WAIT_1；服务端内核回复 ACK → CLOSE_WAIT；客户端 → FIN_WAIT_2。FIN 在数据之后放入 EOF：read() 返回 0。服务端 close() → 发送 FIN，进入 LAST_ACK；客户端回复 ACK → TIME_WAIT；服务端 → CLOSED；客户端 2MSL 后 → CLOSED。"),
        description: Localized("The client sends \"ping\" and closes. The server reads the data, then reads EOF, and closes a second later. Linux's TIME_WAIT lasts 60 s, so the client's socket disappears at about t=62 s.",
                               "客户端发送 \"ping\" 后关闭。服务端读到数据，再读到 EOF，一秒后关闭。Linux 的 TIME_WAIT 为 60 秒，因此客户端套接字约在 t=62 s 消失。"),
        params: [CatalogueParam("server_close_at", .time(max: .seconds(50)), default: "2s", Localized("When the server closes (after reading EOF).", "服务端关闭的时间（读到 EOF 之后）。")), .delay],
        suggestedSocketsAt: .ms(1500),
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.acceptedConnection(backlog: 8)
            b.at(0.1, "client", "c", .write(.text("ping")))
            b.at(0.1, "server", "conn", .read(max: 65536, untilEOF: false))
            b.at(0.5, "server", "conn", .read(max: 65536, untilEOF: false))
            b.at(1.0, "client", "c", .close)
            b.at(p.time("server_close_at"), "server", "conn", .close)
            return b.scenario(duration: p.time("server_close_at") + .seconds(62))
        })

    static let threeWayClose = CatalogueEntry(
        id: "three-way-close",
        title: Localized("When the four-way close takes three segments", "四次挥手变成三次"),
        claim: Localized("The four-way close becomes three-way when the passive closer has no data to send and delayed ACK is on: its ACK and FIN merge.",
                         "当被动关闭方没有数据要发送且开启了延迟确认时，第二次和第三次挥手会合并，四次挥手变成三次。"),
        description: Localized("The client closes an idle connection. The server's ACK of the FIN is delayed; the server reads EOF and closes right away (server_close_delay = 0), so its FIN carries the ACK: FIN|ACK, FIN|ACK, ACK. On a connection that never received data Linux delays that ACK only one tick (4 ms), so a server that waits longer (try server_close_delay=200ms) sends the ACK alone: four segments.",
                               "客户端关闭一个空闲连接。服务端对 FIN 的 ACK 被延迟；服务端读到 EOF 后立即关闭（server_close_delay = 0），于是它的 FIN 携带该 ACK：FIN|ACK、FIN|ACK、ACK。对从未收到过数据的连接，Linux 只把 ACK 延迟一个时钟节拍（4 ms），所以服务端若等得更久（试试 server_close_delay=200ms），ACK 会单独发送：四个报文。"),
        params: [CatalogueParam("server_close_delay", .time(max: .seconds(10)), default: "0s", Localized("How long after reading EOF the server closes.", "服务端读到 EOF 之后多久关闭。")), .delay],
        suggestedSocketsAt: nil,
        build: { p in
            let delay = p.time("delay")
            var b = ScenarioBuilder.clientServer(delay: delay)
            b.acceptedConnection(backlog: 8)
            b.at(0.5, "server", "conn", .read(max: 65536, untilEOF: false))
            b.at(1.0, "client", "c", .close)
            // The close is issued while read() is blocked, so it runs the instant read() returns 0,
            // or server_close_delay after the FIN arrives.
            let d = p.time("server_close_delay")
            b.at(d == .zero ? .ms(500) : .seconds(1) + delay + d, "server", "conn", .close)
            return b.scenario(duration: .seconds(63))
        })

    static let shutdownVsClose = CatalogueEntry(
        id: "shutdown-vs-close",
        title: Localized("shutdown(SHUT_WR) versus close(): the graceful and the rude close", "shutdown(SHUT_WR) 与 close()：优雅关闭与粗暴关闭"),
        claim: Localized("Prefer shutdown(SHUT_WR) on the client and close() on the server once done: shutdown sends FIN only for the write direction. A close()d socket that still receives data makes its kernel send RST and free the connection at once.",
                         "推荐客户端用 shutdown(SHUT_WR)、服务端在数据发送完后用 close()：shutdown 只关闭发送方向并发送 FIN。已 close() 的套接字若再收到数据，内核会回复 RST 并立即释放连接。"),
        description: Localized("The client sends a request and half-closes (mode=shutdown): it still reads the server's response, then EOF. With mode=close the client closed both directions: the response hits an orphaned socket, which answers RST; the server's next write fails with EPIPE.",
                               "客户端发送请求后半关闭（mode=shutdown）：它仍能读到服务端的响应，然后读到 EOF。mode=close 时客户端关闭了两个方向：响应到达孤儿套接字，对方回复 RST；服务端下一次写入失败（EPIPE）。"),
        params: [CatalogueParam("mode", .choice(["shutdown", "close"]), default: "shutdown", Localized("How the client ends its side.", "客户端如何结束自己这一侧。")), .delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.acceptedConnection(backlog: 8)
            b.at(0.1, "client", "c", .write(.text("request")))
            b.at(0.05, "server", "conn", .read(max: 65536, untilEOF: false))   // "request"
            b.at(0.1, "server", "conn", .read(max: 65536, untilEOF: false))    // 0: end of file
            if p.choice("mode") == "shutdown" {
                b.at(0.2, "client", "c", .shutdown(.SHUT_WR))
                b.at(0.2, "client", "c", .read(max: 65536, untilEOF: false))   // "response"
                b.at(0.2, "client", "c", .read(max: 65536, untilEOF: false))   // 0: end of file
                b.at(0.4, "server", "conn", .write(.text("response")))
                b.at(0.4, "server", "conn", .close)
                b.at(0.8, "client", "c", .close)
            } else {
                b.at(0.2, "client", "c", .close)
                b.at(0.4, "server", "conn", .write(.text("response")))
                b.at(0.6, "server", "conn", .write(.text("more")))
                b.at(0.7, "server", "conn", .read(max: 65536, untilEOF: false))
                b.at(0.8, "server", "conn", .close)
            }
            return b.scenario(duration: .seconds(62))
        })

    static let closeUnreadDataRst = CatalogueEntry(
        id: "close-unread-data-rst",
        title: Localized("close() with unread data sends RST", "有未读数据时 close() 发送 RST"),
        claim: Localized("close() on a socket whose receive buffer still holds unread data sends RST instead of FIN and frees the connection at once; the peer gets ECONNRESET.",
                         "接收缓冲区中还有未读数据时调用 close()，会发送 RST 而不是 FIN，并立即释放连接；对端得到 ECONNRESET。"),
        description: Localized("The client sends a request the server never reads. When the server closes, Linux sends RST|ACK (seq = snd_nxt, ack = rcv_nxt) and the client's blocked read() fails with ECONNRESET. No FIN, no TIME_WAIT.",
                               "客户端发送一个服务端从未读取的请求。服务端关闭时，Linux 发送 RST|ACK（seq = snd_nxt，ack = rcv_nxt），客户端阻塞中的 read() 失败（ECONNRESET）。没有 FIN，也没有 TIME_WAIT。"),
        params: [CatalogueParam("close_at", .time(max: .seconds(100)), default: "500ms", Localized("When the server closes.", "服务端关闭的时间。")), .delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.acceptedConnection(backlog: 8)
            b.at(0.1, "client", "c", .write(.text("unread data")))
            b.at(0.2, "client", "c", .read(max: 65536, untilEOF: false))
            b.at(p.time("close_at"), "server", "conn", .close)
            b.at(p.time("close_at") + .ms(500), "client", "c", .close)
            return b.scenario(duration: p.time("close_at") + .seconds(1))
        })
}
