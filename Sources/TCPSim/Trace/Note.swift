/// A teaching note attached to a trace event: why it happened, in English and Chinese.
public struct Note: Sendable, Equatable {
    public var en: String
    public var zh: String
    public init(en: String, zh: String) { self.en = en; self.zh = zh }
}

/// The notes the stack attaches, gathered here so the two languages stay side by side.
extension Note {
    static func connectReturned() -> Note {
        Note(en: "connect() returns as soon as the SYN-ACK arrives (the second handshake): the client is ESTABLISHED before the server has seen the third ACK.",
             zh: "connect() 在收到 SYN-ACK（第二次握手）时就返回：此时客户端已是 ESTABLISHED，而服务端还没收到第三次握手的 ACK。")
    }
    static func connectInProgress() -> Note {
        Note(en: "A non-blocking connect() sends the SYN and returns -1 EINPROGRESS at once; the handshake goes on in the kernel, and the application learns the outcome later (poll() for writability, then SO_ERROR or another connect()).",
             zh: "非阻塞的 connect() 发出 SYN 后立即返回 -1 EINPROGRESS；握手在内核中继续进行，应用稍后才知道结果（poll() 等待可写，再查 SO_ERROR 或再次 connect()）。")
    }
    static func acceptReturned() -> Note {
        Note(en: "accept() only takes a finished connection off the accept queue; the handshake was completed by the kernel without it.",
             zh: "accept() 只是从全连接队列取出一个已完成握手的连接；三次握手由内核完成，与 accept() 无关。")
    }
    static func synQueued(_ syn: Int, _ backlog: Int) -> Note {
        Note(en: "The SYN creates a request socket in the SYN (half-open) queue (\(syn)/\(backlog)) and the kernel answers with SYN-ACK.",
             zh: "SYN 在半连接队列中创建一个请求套接字（\(syn)/\(backlog)），内核回复 SYN-ACK。")
    }
    static func childToAcceptQueue(_ acc: Int, _ backlog: Int) -> Note {
        Note(en: "The third ACK completes the handshake: the connection moves from the SYN queue to the accept queue (\(acc), full above \(backlog)).",
             zh: "第三次握手的 ACK 完成连接：连接从半连接队列移到全连接队列（\(acc)，超过 \(backlog) 即满）。")
    }
    static func acceptQueueFullDrop() -> Note {
        Note(en: "The accept queue is full and tcp_abort_on_overflow=0, so the final ACK is dropped; the request stays in the SYN queue and the SYN-ACK will be retransmitted.",
             zh: "全连接队列已满且 tcp_abort_on_overflow=0，第三次握手的 ACK 被丢弃；请求仍留在半连接队列，SYN-ACK 将会重传。")
    }
    static func acceptQueueFullAbort() -> Note {
        Note(en: "The accept queue is full and tcp_abort_on_overflow=1, so the listener answers the final ACK with RST.",
             zh: "全连接队列已满且 tcp_abort_on_overflow=1，监听套接字用 RST 回应第三次握手的 ACK。")
    }
    static func cookieAckDropped() -> Note {
        Note(en: "This ACK answers a SYN cookie, but the accept queue is full: the kernel drops it (no state was kept, so nothing is retransmitted by the server).",
             zh: "这个 ACK 对应一个 SYN cookie，但全连接队列已满：内核丢弃它（没有保存状态，服务端不会重传）。")
    }
    static func synDroppedAcceptQueueFull() -> Note {
        Note(en: "The accept queue is full, so the SYN is dropped silently (ListenOverflows); the client will retransmit it.",
             zh: "全连接队列已满，SYN 被静默丢弃（ListenOverflows）；客户端会重传 SYN。")
    }
    static func synDroppedSynQueueFull() -> Note {
        Note(en: "The SYN queue is full and tcp_syncookies=0, so the SYN is dropped silently.",
             zh: "半连接队列已满且 tcp_syncookies=0，SYN 被静默丢弃。")
    }
    static func synCookie() -> Note {
        Note(en: "The SYN queue is full and tcp_syncookies=1: the kernel answers with a SYN cookie SYN-ACK and keeps no state.",
             zh: "半连接队列已满且 tcp_syncookies=1：内核用 SYN cookie 回复 SYN-ACK，不保存任何状态。")
    }
    static func rstNoSocket() -> Note {
        Note(en: "No socket is listening on this port (a bound socket that never called listen() does not count), so the kernel answers with RST.",
             zh: "该端口没有处于监听的套接字（只 bind 而没有 listen 的套接字不算），内核回复 RST。")
    }
    static func rstRefused() -> Note {
        Note(en: "An RST that acknowledges our SYN: connect() fails with ECONNREFUSED.",
             zh: "收到确认了 SYN 的 RST：connect() 失败，返回 ECONNREFUSED。")
    }
    static func finReceived() -> Note {
        Note(en: "The FIN puts an end-of-file after the data in the receive buffer: read() returns the data, then 0. The ACK is delayed, hoping to ride on our own FIN or data.",
             zh: "FIN 在接收缓冲区的数据之后放入一个 EOF：read() 先返回数据，再返回 0。ACK 被延迟，以便和自己的 FIN 或数据合并发送。")
    }
    static func finMergedWithAck() -> Note {
        Note(en: "The ACK of the peer's FIN was still delayed when the application closed, so it rides on our FIN: the four-way close becomes three segments.",
             zh: "应用调用 close() 时对端 FIN 的 ACK 仍在延迟中，于是随我们的 FIN 一起发出：四次挥手变成三次。")
    }
    static func enterTimeWait() -> Note {
        Note(en: "The active closer enters TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN, fixed in Linux) to absorb old duplicates and resend the last ACK if needed.",
             zh: "主动关闭方进入 TIME_WAIT，持续 60 秒（Linux 固定的 TCP_TIMEWAIT_LEN），以吸收旧的重复报文并在需要时重发最后的 ACK。")
    }
    static func closeUnreadRST() -> Note {
        Note(en: "close() with unread data in the receive buffer: Linux sends RST instead of FIN and frees the connection at once (RFC 2525 §2.17).",
             zh: "接收缓冲区中还有未读数据时调用 close()：Linux 发送 RST 而不是 FIN，并立即释放连接（RFC 2525 §2.17）。")
    }
    static func lingerZeroRST() -> Note {
        Note(en: "SO_LINGER with a zero timeout: close() aborts the connection with RST.",
             zh: "SO_LINGER 超时为 0：close() 用 RST 中止连接。")
    }
    static func dataAfterCloseRST() -> Note {
        Note(en: "Data arrived for a socket whose application already called close(): nobody can read it, so the kernel answers RST and frees the connection (TCPAbortOnData).",
             zh: "应用已调用 close() 的套接字又收到数据：没人能读取，内核回复 RST 并释放连接（TCPAbortOnData）。")
    }
    static func resetReceived(_ err: Errno) -> Note {
        Note(en: "An RST with exactly the expected sequence number resets the connection; the application will see \(err.rawValue).",
             zh: "序列号恰好等于期望值的 RST 重置了连接；应用将得到 \(err.rawValue)。")
    }
    static func delayedAckFired() -> Note {
        Note(en: "The delayed-ACK timer fired with nothing to piggyback on, so a bare ACK goes out.",
             zh: "延迟确认定时器到期，没有数据可捎带，于是单独发送 ACK。")
    }
    static func quickAck() -> Note {
        Note(en: "Quick-ACK mode at the start of a connection: each data segment is acknowledged at once.",
             zh: "连接开始时处于快速确认模式：每个数据报文都立即确认。")
    }
    static func outOfOrderDupAck() -> Note {
        Note(en: "Out-of-order data: a duplicate ACK goes out at once. With SACK it carries SACK blocks, and Linux sends only the first three for a hole at once (enough for the sender's fast retransmit), then compresses the rest; without SACK every one goes at once.",
             zh: "乱序数据：立即发送重复 ACK。启用 SACK 时它带有 SACK 块，且 Linux 只对一个空洞的前三个重复 ACK 立即发送（足以触发发送方快速重传），之后的会被压缩；未启用 SACK 时每个都立即发送。")
    }
    static func compressedSackAck() -> Note {
        Note(en: "SACK compression: the ACKs owed for out-of-order data waited for the compressed-ACK timer (min(1 ms, 5 % of the RTT) plus slack); one ACK now carries the latest SACK blocks.",
             zh: "SACK 压缩：乱序数据应发的 ACK 等待压缩 ACK 定时器（min(1 ms, RTT 的 5%) 加上松弛时间）；现在由一个 ACK 携带最新的 SACK 块。")
    }
    static func secondFullSegmentAck() -> Note {
        Note(en: "More than one full-sized segment is unacknowledged, so the ACK is sent at once instead of waiting for the delayed-ACK timer.",
             zh: "未确认的数据超过一个满长度报文，因此立即发送 ACK，而不等待延迟确认定时器。")
    }
    static func piggybackedAck() -> Note {
        Note(en: "The pending ACK rides on this data segment (piggybacking), cancelling the delayed-ACK timer.",
             zh: "待发送的 ACK 随这个数据报文一起发出（捎带确认），延迟确认定时器被取消。")
    }
    static func simultaneousOpen() -> Note {
        Note(en: "A SYN arrives while we are in SYN_SENT (crossed SYNs, or a connection to ourselves): we move to SYN_RECV and answer with SYN-ACK, without any listen().",
             zh: "处于 SYN_SENT 时收到 SYN（同时打开，或自己连接自己）：进入 SYN_RECV 并回复 SYN-ACK，整个过程没有 listen()。")
    }
    static func eofRead() -> Note {
        Note(en: "read() returns 0: the peer's FIN was reached after all buffered data (end of file).",
             zh: "read() 返回 0：读完缓冲区里的数据后遇到了对端的 FIN（文件结束）。")
    }
    static func readAllBuffered(_ n: Int) -> Note {
        Note(en: "Everything the peer sent and the kernel buffered is returned by this one read (\(n) bytes): TCP is a byte stream without message boundaries.",
             zh: "对端发送并被内核缓冲的所有数据由这一次 read 一起返回（\(n) 字节）：TCP 是没有消息边界的字节流。")
    }
    static func shutdownWrite() -> Note {
        Note(en: "shutdown(SHUT_WR) sends FIN for the sending direction only: the socket can still read what the peer sends.",
             zh: "shutdown(SHUT_WR) 只关闭发送方向并发送 FIN：套接字仍可读取对端发来的数据。")
    }
    static func timeWaitDone() -> Note {
        Note(en: "TIME_WAIT lasted 2MSL (60 s in Linux); the connection is gone.",
             zh: "TIME_WAIT 持续了 2MSL（Linux 为 60 秒），连接彻底关闭。")
    }
    static func challengeAck() -> Note {
        Note(en: "RFC 5961: a SYN (or an RST not exactly at rcv_nxt) in a synchronized state is answered with a challenge ACK carrying the real seq/ack.",
             zh: "RFC 5961：同步状态下收到 SYN（或序列号不恰好等于 rcv_nxt 的 RST），回复携带真实序列号/确认号的 Challenge ACK。")
    }
    static func addrInUse() -> Note {
        Note(en: "Another socket already holds this address and port: bind() fails with EADDRINUSE (ss -tanp shows who).",
             zh: "另一个套接字已占用该地址和端口：bind() 返回 EADDRINUSE（用 ss -tanp 查看是谁）。")
    }
    static func zeroWindowProbeTimeout() -> Note {
        Note(en: "Zero-window probes went unanswered tcp_retries2 times (or past TCP_USER_TIMEOUT): the connection is given up with ETIMEDOUT, nothing is sent.",
             zh: "零窗口探测连续 tcp_retries2 次（或超过 TCP_USER_TIMEOUT）无应答：连接以 ETIMEDOUT 放弃，不发送任何报文。")
    }
    static func orphanFinWait2Timeout() -> Note {
        Note(en: "An orphaned FIN_WAIT_2 waited tcp_fin_timeout for the peer's FIN and is destroyed silently.",
             zh: "孤儿 FIN_WAIT_2 等待对端 FIN 超过 tcp_fin_timeout，被静默销毁。")
    }
    static func processCrash() -> Note {
        Note(en: "A process crash is seen by the kernel: it closes every socket the process had, so the peer gets a FIN (or an RST where data was unread), as with close().",
             zh: "进程崩溃内核是能感知的：它会关闭该进程的所有套接字，于是对端收到 FIN（有未读数据时是 RST），与调用 close() 相同。")
    }
    static func powerOff() -> Note {
        Note(en: "A power cut sends nothing: the peer cannot tell, and an idle peer without keepalive stays ESTABLISHED indefinitely.",
             zh: "主机断电不会发送任何报文：对端无法感知，没有数据交互也没开 keepalive 的对端会一直处于 ESTABLISHED。")
    }
    static func boot() -> Note {
        Note(en: "The host is back with an empty TCP stack: any segment of an old connection finds no socket and is answered with RST.",
             zh: "主机重启后 TCP 协议栈是空的：旧连接的任何报文都找不到套接字，会被回复 RST。")
    }
    static func unplug() -> Note {
        Note(en: "Pulling the cable sends nothing either: connections survive as long as nobody sends; data in flight is retransmitted until the cable returns or the retries run out.",
             zh: "拔掉网线同样不会发送任何报文：只要双方都不发数据，连接就一直存在；正在传输的数据会被重传，直到网线插回或重传次数用尽。")
    }
    static func hostDownDrop() -> Note {
        Note(en: "The destination host is powered off: the segment vanishes and nobody answers.",
             zh: "目的主机已断电：报文消失，没有任何回应。")
    }
    static func injected() -> Note {
        Note(en: "A forged segment: it carries a real connection's 4-tuple but was not sent by either endpoint.",
             zh: "伪造的报文：它使用真实连接的四元组，但并不是通信双方发出的。")
    }
    static func lossProbe() -> Note {
        Note(en: "Tail loss probe (RACK-TLP, RFC 8985): no ACK came within about two round trips, so the last segment is sent again before the retransmission timer would fire.",
             zh: "尾部丢失探测（RACK-TLP，RFC 8985）：约两个往返时间内没有收到 ACK，于是在重传定时器到期之前重发最后一个报文。")
    }
    static func twRecycleRemember() -> Note {
        Note(en: "tcp_tw_recycle (Linux ≤ 4.11): the server remembers this peer IP's last timestamp and shortens TIME_WAIT to 3.5 × RTO.",
             zh: "tcp_tw_recycle（Linux ≤ 4.11）：服务端记住该对端 IP 最后的时间戳，并把 TIME_WAIT 缩短为 3.5 倍 RTO。")
    }
    static func twRecycleDrop() -> Note {
        Note(en: "tcp_tw_recycle: this SYN's timestamp is older than the one remembered for its IP within 60 s, so it is dropped silently. Behind NAT, another host with a slower clock shares that IP: its connect() times out.",
             zh: "tcp_tw_recycle：该 SYN 的时间戳比 60 秒内为其 IP 记住的时间戳更旧，被静默丢弃。在 NAT 后面，另一台时钟更慢的主机共用这个 IP：它的 connect() 会超时。")
    }
    static func timeWaitLastAck() -> Note {
        Note(en: "TIME_WAIT answers a segment it cannot accept (an old SYN, a retransmitted FIN) with its last ACK again, the \"fourth wave\".",
             zh: "TIME_WAIT 对无法接受的报文（旧的 SYN、重传的 FIN）再次回复最后一个 ACK，即\"第四次挥手\"的 ACK。")
    }
    static func timeWaitReuse() -> Note {
        Note(en: "A new SYN with a higher sequence number or a newer timestamp may reuse the 4-tuple in TIME_WAIT (RFC 6191): the listener takes it at once, with ISN = old snd_nxt + 65537.",
             zh: "序列号更大或时间戳更新的 SYN 可以复用处于 TIME_WAIT 的四元组（RFC 6191）：监听套接字直接接受它，ISN 为旧的 snd_nxt + 65537。")
    }
    static func fastRetransmit() -> Note {
        Note(en: "Three duplicate ACKs (or SACKs for three segments): fast retransmit of the missing segment, and fast recovery with a smaller congestion window instead of waiting for the RTO.",
             zh: "三个重复 ACK（或 SACK 了三个报文）：快速重传丢失的报文，并以较小的拥塞窗口进入快速恢复，而不必等待 RTO。")
    }
    static func timeWaitReusedByConnect() -> Note {
        Note(en: "connect() reuses this TIME_WAIT 4-tuple (tcp_twsk_unique()): timestamps let PAWS protect the new connection, whose ISN starts 65537 above the old snd_nxt.",
             zh: "connect() 复用这个 TIME_WAIT 的四元组（tcp_twsk_unique()）：时间戳让 PAWS 保护新连接，新 ISN 为旧 snd_nxt 加 65537。")
    }
}
