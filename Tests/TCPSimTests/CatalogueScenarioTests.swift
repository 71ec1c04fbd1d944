import JSONCore
import TCPSim
import Testing

/// Each claim of the notes, run as its catalogue scenario, with the instants and results the Linux
/// reference (shared/reference/linux-tcp.md, section in each comment) predicts for a 20 ms link.
@Suite struct CatalogueScenarioTests {
    // §1: connect() returns on SYN-ACK receipt (one RTT); accept() after the third ACK.
    @Test func handshakeConnectReturnsAtSecondAcceptAfterThird() throws {
        let t = try runCatalogue("handshake-queues", params: ["accept_at": "0s"])
        #expect(segments(t).prefix(3).map(\.shape) == ["client SYN 0 - 0", "server SYN|ACK 0 1 0", "client ACK 1 1 0"])
        #expect(ret(t, "client", "c", "connect").map { us($0.t) } == 40_000)
        #expect(ret(t, "client", "c", "connect")?.result == 0)
        #expect(ret(t, "server", "ls", "accept").map { us($0.t) } == 60_000)
        #expect(states(t, "server", "conn") .prefix(2) == ["LISTEN>SYN_RECV@0.02", "SYN_RECV>ESTABLISHED@0.06"])
        #expect(states(t, "client", "c").prefix(2) == ["CLOSED>SYN_SENT@0", "SYN_SENT>ESTABLISHED@0.04"])
    }

    // §1: the connection waits in the accept queue; accept() plays no part in the handshake.
    @Test func acceptCalledLateReturnsAtOnce() throws {
        let t = try runCatalogue("handshake-queues", params: ["accept_at": "500ms"])
        #expect(ret(t, "server", "ls", "accept").map { us($0.t) } == 500_000)
        let queues = jsonEvents(t).filter { $0["type"]?.stringValue == "queue" }.map {
            "\(fmt($0["t"]!.doubleValue!)) syn=\($0["synQueue"]!.intValue!) acc=\($0["acceptQueue"]!.intValue!)"
        }
        #expect(Array(queues.prefix(4)) == ["0 syn=0 acc=0", "0.02 syn=1 acc=0", "0.06 syn=0 acc=1", "0.5 syn=0 acc=0"])
    }

    // §1: sk_acceptq_is_full() is "> backlog": backlog 0 still admits one connection.
    @Test func backlogZeroAdmitsOneConnection() throws {
        let t = try runCatalogue("handshake-queues", params: ["backlog": "0", "accept_at": "2s"])
        #expect(ret(t, "server", "ls", "accept").map { us($0.t) } == 2_000_000)
        #expect(segments(t).prefix(3).map(\.shape) == ["client SYN 0 - 0", "server SYN|ACK 0 1 0", "client ACK 1 1 0"])
    }

    // §4 / claim 3: unread data stays buffered; one read returns all of it.
    @Test func receiveBufferReturnsEverythingInOneRead() throws {
        let t = try runCatalogue("receive-buffer", socketsAt: [0.5])
        let r = try #require(ret(t, "server", "conn", "read"))
        #expect(r.result == 10)
        #expect(r.data == "helloworld")
        #expect(us(r.t) == 1_000_000)
        let row = t.snapshots.first?.rows.first { $0.host == "server" && $0.socket == "conn" }
        #expect(row?.state == .ESTABLISHED)
        #expect(row?.recvQ == 10)
    }

    // §2: the four-way close, TIME_WAIT 60 s, delayed ACK of the FIN 40 ms after data flowed (ato).
    @Test func fourWayCloseStatesAndTimers() throws {
        let t = try runCatalogue("four-way-close")
        #expect(states(t, "client", "c") == [
            "CLOSED>SYN_SENT@0", "SYN_SENT>ESTABLISHED@0.04", "ESTABLISHED>FIN_WAIT_1@1",
            "FIN_WAIT_1>FIN_WAIT_2@1.08", "FIN_WAIT_2>TIME_WAIT@2.02", "TIME_WAIT>CLOSED@62.02",
        ])
        #expect(states(t, "server", "conn") == [
            "LISTEN>SYN_RECV@0.02", "SYN_RECV>ESTABLISHED@0.06", "ESTABLISHED>CLOSE_WAIT@1.02",
            "CLOSE_WAIT>LAST_ACK@2", "LAST_ACK>CLOSED@2.04",
        ])
        let segs = segments(t)
        // The ACK of the FIN leaves on the delayed-ACK timer: 40 ms after the FIN arrived.
        let finAck = try #require(segs.first { $0.from == "server" && $0.flags == "ACK" && $0.ack == 6 })
        #expect(us(finAck.t) == 1_060_000)
        #expect(ret(t, "server", "conn", "read", nth: 1).map { [us($0.t), $0.result ?? -9] } == [1_020_000, 0])
    }

    // §2 and the 6.18 addendum: with no data ever received, the FIN's ACK waits one tick (4 ms);
    // a server that closes right after EOF merges it with its FIN.
    @Test func threeWayCloseMergesAckAndFin() throws {
        let t = try runCatalogue("three-way-close")
        let closing = segments(t).suffix(3).map(\.shape)
        #expect(closing == ["client FIN|ACK 1 1 0", "server FIN|ACK 1 2 0", "client ACK 2 2 0"])
        #expect(!states(t, "client", "c").contains { $0.contains("CLOSING") })
        let slow = try runCatalogue("three-way-close", params: ["server_close_delay": "200ms"])
        let s = segments(slow).suffix(4)
        #expect(s.map(\.shape) == ["client FIN|ACK 1 1 0", "server ACK 1 2 0", "server FIN|ACK 1 2 0", "client ACK 2 2 0"])
        #expect(us(s.dropFirst().first!.t) == 1_024_000)   // one 4 ms tick after the FIN arrived at 1.02
    }

    // §11: SYN to a bound-but-not-listening port → RST|ACK seq 0, ack ISN+1 → ECONNREFUSED.
    @Test func noListenAnswersRstAndConnectIsRefused() throws {
        let t = try runCatalogue("no-listen-rst")
        let segs = segments(t)
        #expect(segs.map(\.shape) == ["client SYN 0 - 0", "server RST|ACK 0 1 0"])
        #expect(segs[1].win == 0)
        let r = try #require(ret(t, "client", "c", "connect"))
        #expect(r.errno == "ECONNREFUSED")
        #expect(us(r.t) == 140_000)
    }

    // §12: self-connect and simultaneous open (Linux 6.11+: the SYN-ACK is accepted in SYN_RECV).
    @Test func selfConnectReadsItsOwnWrite() throws {
        let t = try runCatalogue("self-connect")
        #expect(ret(t, "client", "c", "connect")?.result == 0)
        #expect(ret(t, "client", "c", "read")?.data == "hi")
        #expect(segments(t).prefix(3).map(\.shape) == ["client SYN 0 - 0", "client SYN|ACK 0 1 0", "client ACK 1 1 0"])
        #expect(states(t, "client", "c").prefix(3) == ["CLOSED>SYN_SENT@0", "SYN_SENT>SYN_RECV@0.00001", "SYN_RECV>ESTABLISHED@0.00002"])
    }

    @Test func simultaneousOpenWithoutListen() throws {
        let t = try runCatalogue("simultaneous-open")
        for (h, s) in [("client", "a"), ("server", "b")] {
            #expect(ret(t, h, s, "connect")?.result == 0)
            #expect(states(t, h, s).prefix(3) == ["CLOSED>SYN_SENT@0", "SYN_SENT>SYN_RECV@0.02", "SYN_RECV>ESTABLISHED@0.04"])
        }
        // The final ACKs carry a D-SACK block for the SYN seen twice (RFC 2883).
        let acks = segments(t).filter { $0.flags == "ACK" && $0.seq == 1 && $0.ack == 1 }
        #expect(acks.count == 2)
        #expect(acks.allSatisfy { $0.options["sack"]?.arrayValue?.count == 1 })
    }

    // §4: close() with unread data → RST|ACK (seq = snd_nxt, ack = rcv_nxt); the peer's read fails.
    @Test func closeWithUnreadDataSendsRst() throws {
        let t = try runCatalogue("close-unread-data-rst")
        let last = try #require(segments(t).last)
        #expect(last.shape == "server RST|ACK 1 12 0")
        #expect(us(last.t) == 500_000)
        let r = try #require(ret(t, "client", "c", "read"))
        #expect(r.errno == "ECONNRESET")
        #expect(us(r.t) == 520_000)
        #expect(states(t, "server", "conn").last == "ESTABLISHED>CLOSED@0.5")
        #expect(!states(t, "client", "c").contains { $0.contains("TIME_WAIT") })
    }

    // §4 and the addendum: data reaching a close()d socket draws a bare RST (seq = SEG.ACK);
    // the peer, in CLOSE_WAIT, then gets EPIPE on write and EOF on read.
    @Test func rudeCloseAnswersDataWithRst() throws {
        let t = try runCatalogue("shutdown-vs-close", params: ["mode": "close"])
        let rst = try #require(segments(t).first { $0.flags == "RST" })
        #expect(rst.shape == "client RST 9 - 0")
        #expect(ret(t, "server", "conn", "write", nth: 1)?.errno == "EPIPE")
        #expect(ret(t, "server", "conn", "read", nth: 2)?.result == 0)
    }

    // §4: shutdown(SHUT_WR) half-closes: the client still reads the response, then EOF.
    @Test func shutdownWriteStillReads() throws {
        let t = try runCatalogue("shutdown-vs-close", params: ["mode": "shutdown"])
        #expect(ret(t, "client", "c", "read")?.data == "response")
        #expect(ret(t, "client", "c", "read", nth: 1)?.result == 0)
        #expect(!segments(t).contains { $0.flags.contains("RST") })
        #expect(states(t, "client", "c").contains("FIN_WAIT_2>TIME_WAIT@0.42"))
    }

    // Claim 15 and §3: quick-ACK at first, then piggybacking, then the 40 ms timer.
    @Test func delayedAckRules() throws {
        let t = try runCatalogue("delayed-ack")
        let segs = segments(t)
        // (1) Quick-ACK mode: GET (sent 0.1) is ACKed alone the instant it arrives (0.12), before the reply.
        let ack1 = try #require(segs.first { $0.from == "server" && $0.flags == "ACK" && $0.ack == 4 })
        #expect(us(ack1.t) == 120_000)
        // (2) Interactive now: no bare ACK for GET2; the ACK (ack=8) rides on RESPONSE2.
        #expect(!segs.contains { $0.from == "server" && $0.len == 0 && $0.ack == 8 })
        let reply2 = try #require(segs.first { $0.from == "server" && $0.len == 9 && $0.ack == 8 })
        #expect(us(reply2.t) == 520_000)
        // (3) The reply to GET3 comes at 1.2 s: the ACK leaves alone on the 40 ms timer (1.02 + 0.04).
        let ack3 = try #require(segs.first { $0.from == "server" && $0.flags == "ACK" && $0.len == 0 && $0.ack == 12 })
        #expect(us(ack3.t) == 1_060_000)
    }

    // Claim 1: a listener's port cannot be bound again, even with SO_REUSEADDR on both sockets.
    @Test(arguments: ["0", "1"]) func portInUse(reuse: String) throws {
        let t = try runCatalogue("port-in-use", params: ["reuseaddr": reuse], socketsAt: [0.5])
        #expect(ret(t, "server", "s2", "bind")?.errno == "EADDRINUSE")
        let rows = try #require(t.snapshots.first?.rows)
        let listen = rows.first { $0.state == .LISTEN }
        #expect(listen?.local == "0.0.0.0:8888")
        #expect(listen?.sendQ == 128)
        #expect(rows.filter { $0.state == .ESTABLISHED }.count == 2)
    }
}
