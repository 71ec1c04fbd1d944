// Catalogue scenarios about data: the receive buffer and delayed ACK (claims 3 and 15).

extension Catalogue {
    static let receiveBuffer = CatalogueEntry(
        id: "receive-buffer",
        title: Localized("Unread data waits in the receive buffer", "未读取的数据在接收缓冲区中等待"),
        claim: Localized("Data the server does not read yet waits in its receive buffer; the next read returns everything buffered.",
                         "服务端来不及读取的数据放在接收缓冲区中，下一次读取时缓冲区中的所有数据都可读。"),
        description: Localized("The client writes \"hello\" then \"world\"; the kernel acknowledges both at once while the server application sleeps. When it finally reads, one read() returns all ten bytes: TCP is a byte stream, and the advertised window shows the buffered bytes.",
                               "客户端先写 \"hello\" 再写 \"world\"；服务端应用还在休眠时，内核已立即确认两者。服务端最终读取时，一次 read() 返回全部十个字节：TCP 是字节流，通告窗口也反映出缓冲的字节数。"),
        params: [CatalogueParam("read_at", .time(max: .seconds(100)), default: "1s", Localized("When the server reads.", "服务端读取的时间。")), .delay],
        suggestedSocketsAt: .ms(500),
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.listener(port: 8888)
            b.at(0, "server", "ls", .accept(as: "conn"))
            b.connect(port: 8888, at: 0)
            b.at(0.1, "client", "c", .write(.text("hello")))
            b.at(0.2, "client", "c", .write(.text("world")))
            let r = p.time("read_at")
            b.at(r, "server", "conn", .read(max: 1024, untilEOF: false))
            b.at(r + .ms(500), "client", "c", .close)
            b.at(r + .ms(500), "server", "conn", .read(max: 1024, untilEOF: false))
            b.at(r + .ms(700), "server", "conn", .close)
            return b.scenario(duration: r + .seconds(2))
        })

    static let delayedAck = CatalogueEntry(
        id: "delayed-ack",
        title: Localized("Delayed ACK: piggybacking, the 40 ms timer, and every second segment", "延迟确认：捎带确认、40 ms 定时器与每两个报文一次确认"),
        claim: Localized("Delayed ACK: an ACK rides on response data when there is some; otherwise it waits a while for data; a second full segment arriving meanwhile triggers an immediate ACK.",
                         "延迟确认：有响应数据时 ACK 随数据一起发送；没有时 ACK 延迟一段时间等待数据；延迟期间若第二个满长度报文到达则立即发送 ACK。"),
        description: Localized("A request/response exchange. At first Linux is in quick-ACK mode and ACKs every segment at once. After the server answered within the ACK timeout it is interactive (pingpong): the next request's ACK waits for the 40 ms timer because the reply comes late (reply_at). Then the server replies at once, and the ACK rides on the reply. Finally the client sends two full segments: the first ACK is delayed, the second segment forces an immediate ACK.",
                               "一个请求/响应交互。起初 Linux 处于快速确认模式，每个报文都立即确认。服务端在确认超时内回复后进入交互（pingpong）模式：下一个请求的响应来得晚（reply_at），其 ACK 等到 40 ms 定时器到期才单独发送。随后服务端立即回复，ACK 捎带在响应数据上。最后客户端连续发送两个满长度报文：第一个的 ACK 被延迟，第二个报文触发立即确认。"),
        params: [CatalogueParam("reply_at", .time(max: .seconds(10)), default: "700ms", Localized("When the server answers the second request (sent at 0.5 s).", "服务端回复第二个请求（0.5 s 发出）的时间。")), .delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.listener(port: 8888)
            b.at(0, "server", "ls", .accept(as: "conn"))
            b.connect(port: 8888, at: 0)
            // 1. First request: quick-ACK mode ACKs it at once; the reply goes separately.
            b.at(0.1, "client", "c", .write(.text("GET")))
            b.at(0.1, "server", "conn", .read(max: 65536, untilEOF: false))
            b.at(0.1, "server", "conn", .write(.text("RESPONSE")))
            b.at(0.1, "client", "c", .read(max: 65536, untilEOF: false))
            // 2. Second request: the server is interactive now; its reply is late, so the ACK waits 40 ms.
            b.at(0.5, "client", "c", .write(.text("GET2")))
            b.at(0.5, "server", "conn", .read(max: 65536, untilEOF: false))
            b.at(p.time("reply_at"), "server", "conn", .write(.text("RESPONSE2")))
            b.at(0.5, "client", "c", .read(max: 65536, untilEOF: false))
            // 3. Third request answered at once: the ACK rides on the reply.
            b.at(1.0, "client", "c", .write(.text("GET3")))
            b.at(1.0, "server", "conn", .read(max: 65536, untilEOF: false))
            b.at(1.0, "server", "conn", .write(.text("RESPONSE3")))
            b.at(1.0, "client", "c", .read(max: 65536, untilEOF: false))
            // 4. Two full-sized segments in a row: the second forces an immediate ACK.
            b.at(1.1, "client", "c", .write(.bytes(2 * 1448)))
            b.at(1.1, "server", "conn", .read(max: 65536, untilEOF: false))
            b.at(1.5, "client", "c", .close)
            b.at(1.5, "server", "conn", .read(max: 65536, untilEOF: true))
            b.at(1.6, "server", "conn", .close)
            return b.scenario(duration: .seconds(3))
        })
}
