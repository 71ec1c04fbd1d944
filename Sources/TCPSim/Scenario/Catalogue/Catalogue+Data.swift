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
            b.acceptedConnection()
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
        description: Localized("Request/response rounds. (1) At first Linux is in quick-ACK mode: the request is ACKed at once and the reply goes separately; replying that fast makes the server interactive (pingpong). (2) Now the next request's ACK is held back and rides on the immediate reply. (3) When the reply comes late (reply_at), the ACK goes alone when the 40 ms delayed-ACK timer fires, and the server leaves interactive mode. (4) After another quick round, the client sends two full-sized segments: the first is not ACKed, the second forces an immediate ACK.",
                               "多轮请求/响应。(1) 起初 Linux 处于快速确认模式：请求被立即确认，响应单独发送；这么快的回复使服务端进入交互（pingpong）模式。(2) 此时下一个请求的 ACK 被推迟，随立即发出的响应捎带。(3) 响应来得晚（reply_at）时，ACK 在 40 ms 延迟确认定时器到期时单独发送，服务端退出交互模式。(4) 再一轮快速交互后，客户端连续发送两个满长度报文：第一个不被确认，第二个触发立即确认。"),
        params: [CatalogueParam("reply_at", .time(max: .seconds(10)), default: "1200ms", Localized("When the server answers the third request (sent at 1 s).", "服务端回复第三个请求（1 s 时发出）的时间。")), .delay],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.acceptedConnection()
            // A round: the client writes, the server reads and (unless `late`) replies the instant the read returns.
            func round(_ t: Double, _ request: String, _ reply: String, late: TimeSpan? = nil) {
                b.at(t, "client", "c", .write(.text(request)))
                b.at(t, "client", "c", .read(max: 65536, untilEOF: false))
                b.at(t, "server", "conn", .read(max: 65536, untilEOF: false))
                if let late { b.at(late, "server", "conn", .write(.text(reply))) } else { b.at(t, "server", "conn", .write(.text(reply))) }
            }
            round(0.1, "GET", "RESPONSE")                       // (1) quick ACK, then the reply
            round(0.5, "GET2", "RESPONSE2")                     // (2) the ACK rides on the reply
            round(1.0, "GET3", "RESPONSE3", late: p.time("reply_at"))  // (3) the 40 ms timer fires first
            round(1.5, "GET4", "RESPONSE4")                     // (4a) interactive again
            b.at(1.6, "client", "c", .write(.bytes(2 * 1448)))  // (4b) two full segments
            b.at(1.6, "server", "conn", .read(max: 65536, untilEOF: false))
            b.at(2.0, "client", "c", .close)
            b.at(2.0, "server", "conn", .read(max: 65536, untilEOF: true))
            b.at(2.1, "server", "conn", .close)
            return b.scenario(duration: .seconds(4))
        })
}
