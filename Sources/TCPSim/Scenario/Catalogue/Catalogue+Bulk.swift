// A bulk transfer over a link with bandwidth, delay and loss: slow start, congestion avoidance,
// fast recovery and the receive window at work.

extension Catalogue {
    static let bulkTransfer = CatalogueEntry(
        id: "bulk-transfer",
        title: Localized("A bulk transfer: slow start, congestion avoidance, loss recovery", "批量传输：慢启动、拥塞避免、丢包恢复"),
        claim: Localized("A sender starts with 10 segments and doubles each round trip (slow start) until a loss or ssthresh, then grows slowly (CUBIC or Reno); three duplicate ACKs trigger fast retransmit and recovery, a timeout falls back to one segment; the receiver's window limits it all.",
                         "发送方从 10 个报文开始，每个往返翻倍（慢启动），直到丢包或达到 ssthresh，然后缓慢增长（CUBIC 或 Reno）；三个重复 ACK 触发快速重传与快速恢复，超时则回到一个报文；接收窗口限制着这一切。"),
        description: Localized("The client writes `bytes` to the server over a link of `rate` and one-way `delay`, with random `loss` each way. The trace's cc events follow the sender's cwnd, ssthresh, SRTT and RTO; the summary reports goodput and retransmissions.",
                               "客户端通过速率为 `rate`、单向时延为 `delay`、双向随机丢包率为 `loss` 的链路向服务端写入 `bytes` 字节。trace 中的 cc 事件记录发送方的 cwnd、ssthresh、SRTT 与 RTO；summary 给出有效吞吐量与重传次数。"),
        params: [CatalogueParam("bytes", .int(1...1_000_000_000), default: "10000000", Localized("Bytes to send.", "发送的字节数。")),
                 CatalogueParam("rate", .rate, default: "1Gbit", Localized("Link rate each way.", "每个方向的链路速率。")),
                 CatalogueParam("delay", .time(max: .seconds(10)), default: "5ms", Localized("One-way delay.", "单向时延。")),
                 CatalogueParam("loss", .number(0...0.5), default: "0", Localized("Random loss probability each way (0.01 or 1%).", "每个方向的随机丢包概率（0.01 或 1%）。")),
                 CatalogueParam("mss", .int(88...65483), default: "1448", Localized("Payload bytes per full segment (the link MTU is set to mss + 52).", "每个满长度报文的载荷字节数（链路 MTU 设为 mss + 52）。")),
                 CatalogueParam("queue", .int(1...1_000_000), default: "1000", Localized("Drop-tail queue of the link, in packets.", "链路的尾部丢弃队列长度（报文数）。")),
                 CatalogueParam("cc", .choice(["cubic", "reno"]), default: "cubic", Localized("The sender's congestion control.", "发送方的拥塞控制算法。"))],
        suggestedSocketsAt: nil,
        build: { p in
            var b = ScenarioBuilder.clientServer(delay: p.time("delay"))
            b.links[0].rate = Int64(p.number("rate"))
            b.links[0].loss = p.number("loss")
            b.links[0].queue = p.int("queue")
            b.links[0].mtu = p.int("mss") + 52
            b.hosts[0].sysctls = [("tcp_congestion_control", .string(p.choice("cc")))]
            b.listener(port: 5001, backlog: 8)
            b.at(0, "server", "ls", .accept(as: "conn"))
            b.at(0, "server", "conn", .read(max: 1 << 20, untilEOF: true))
            b.at(0, "server", "conn", .close)
            b.at(0, "client", "c", .socket)
            b.at(0, "client", "c", .connect(Target(host: "server", port: 5001)))
            b.at(0, "client", "c", .write(.bytes(p.int("bytes"))))
            b.at(0, "client", "c", .close)
            // Room for a slow, lossy transfer: ten times the line-rate time, plus two minutes.
            let lineRate = Double(p.int("bytes")) * 8 / max(p.number("rate"), 1)
            let seconds = min(90_000, Int64(lineRate * 10) + 120 + 2 * Int64(p.time("delay").seconds * 1000))
            return b.scenario(duration: .seconds(seconds))
        })
}
