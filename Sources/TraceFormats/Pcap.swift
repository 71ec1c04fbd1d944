import TCPSim

/// A trace as a classic libpcap capture file, for Wireshark, tshark or tcpdump.
///
/// The file is little-endian libpcap 2.4 with microsecond timestamps (magic 0xa1b2c3d4),
/// snaplen 65535 and link type 1 (Ethernet). Every segment event of the trace becomes one record,
/// in trace order, stamped with the event's simulated time (`TraceEvent.t`, microseconds since the
/// start of the run, so the capture begins at the Unix epoch).
///
/// Each frame is rebuilt from the segment:
/// - Ethernet II with made-up, locally administered MAC addresses derived from the IPs
///   (`02:00:a:b:c:d` for a.b.c.d) and EtherType 0x0800;
/// - IPv4: version 4, IHL 5, DF set, TTL 64, protocol 6, an identification that increments per
///   packet across the whole file, and a correct header checksum;
/// - TCP with the raw (not relative) sequence and acknowledgment numbers, the flags, the 16-bit
///   window field exactly as sent (unscaled), the options the segment carries (MSS, SACK-permitted,
///   timestamps, window scale, SACK blocks) laid out with NOP padding as Linux's tcp_options_write()
///   does (RFC 9293, RFC 7323, RFC 2018), and a correct checksum over the pseudo-header.
///
/// What the capture shows, and its limits:
/// - It is what a capture tap on the wire at the sender would see: every transmitted segment is
///   included, whatever its fate, so segments the network later lost, segments a host then dropped,
///   and segments forged by an injection all appear (at the instant they were sent).
/// - Segments that the network duplicated appear once per copy, as they appear in the trace.
/// - Payloads of at most 64 bytes are the real bytes; longer payloads are zero-filled because the
///   trace does not keep them (the length, sequence space and checksum are still consistent with
///   the zero bytes).
/// - A frame longer than the 65535-byte snaplen is truncated in the file (caplen < orig len); the
///   record keeps the original length. Options that would not fit in TCP's 40 bytes of option
///   space drop their trailing SACK blocks.
public enum Pcap {
    /// Snapshot length of the global header, and the cap on captured bytes per record.
    public static let snaplen = 65535
    /// LINKTYPE_ETHERNET.
    public static let linktype: UInt32 = 1

    /// The capture file's bytes.
    public static func bytes(_ trace: Trace) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(24 + trace.events.count * 96)
        // Global header.
        le32(0xa1b2_c3d4, &out)
        le16(2, &out); le16(4, &out)      // version 2.4
        le32(0, &out)                      // thiszone
        le32(0, &out)                      // sigfigs
        le32(UInt32(snaplen), &out)
        le32(linktype, &out)

        var ipID: UInt16 = 0
        for e in trace.events {
            guard case let .segment(s) = e.kind else { continue }
            ipID &+= 1
            var frame = self.frame(s, ipID: ipID)
            let origLen = frame.count
            if frame.count > snaplen { frame.removeLast(frame.count - snaplen) }
            let us = max(e.t.us, 0)
            le32(UInt32(truncatingIfNeeded: us / 1_000_000), &out)
            le32(UInt32(us % 1_000_000), &out)
            le32(UInt32(frame.count), &out)
            le32(UInt32(truncatingIfNeeded: origLen), &out)
            out += frame
        }
        return out
    }

    /// One Ethernet frame (not truncated) for a segment event.
    static func frame(_ s: SegmentEvent, ipID: UInt16) -> [UInt8] {
        let g = s.segment
        // The trace keeps payloads of at most 64 bytes; longer ones are zero-filled.
        let payload: [UInt8] = g.payload.count == s.len ? Array(g.payload) : [UInt8](repeating: 0, count: s.len)
        let options = encodeOptions(g.options)
        let tcpHeaderLen = 20 + options.count

        var tcp: [UInt8] = []
        tcp.reserveCapacity(tcpHeaderLen + payload.count)
        be16(g.src.port, &tcp)
        be16(g.dst.port, &tcp)
        be32(g.seq.raw, &tcp)
        be32(g.ack.raw, &tcp)
        tcp.append(UInt8(tcpHeaderLen / 4) << 4)
        tcp.append(g.flags.rawValue)
        be16(g.window, &tcp)
        be16(0, &tcp)                      // checksum, filled below
        be16(0, &tcp)                      // urgent pointer
        tcp += options
        tcp += payload

        // Pseudo-header (RFC 9293 §3.1): source, destination, zero, protocol, TCP length.
        var sum: UInt32 = 0
        sum = add(g.src.ip.value >> 16, sum); sum = add(g.src.ip.value & 0xFFFF, sum)
        sum = add(g.dst.ip.value >> 16, sum); sum = add(g.dst.ip.value & 0xFFFF, sum)
        sum = add(6, sum)
        sum = add(UInt32(truncatingIfNeeded: UInt16(truncatingIfNeeded: tcp.count)), sum)
        let tcpSum = checksum(tcp, initial: sum)
        tcp[16] = UInt8(tcpSum >> 8); tcp[17] = UInt8(tcpSum & 0xFF)

        var ip: [UInt8] = []
        ip.reserveCapacity(20)
        ip.append(0x45)                    // version 4, IHL 5
        ip.append(0)                       // DSCP/ECN
        be16(UInt16(min(20 + tcp.count, 65535)), &ip)
        be16(ipID, &ip)
        be16(0x4000, &ip)                  // DF, fragment offset 0
        ip.append(64)                      // TTL
        ip.append(6)                       // TCP
        be16(0, &ip)                       // checksum, filled below
        be32(g.src.ip.value, &ip)
        be32(g.dst.ip.value, &ip)
        let ipSum = checksum(ip, initial: 0)
        ip[10] = UInt8(ipSum >> 8); ip[11] = UInt8(ipSum & 0xFF)

        var f: [UInt8] = []
        f.reserveCapacity(14 + ip.count + tcp.count)
        f += mac(g.dst.ip)
        f += mac(g.src.ip)
        be16(0x0800, &f)
        f += ip
        f += tcp
        return f
    }

    /// A locally administered unicast MAC derived from an IPv4 address: 02:00:a:b:c:d.
    static func mac(_ ip: IPv4) -> [UInt8] {
        [0x02, 0x00, UInt8(ip.value >> 24), UInt8(ip.value >> 16 & 0xFF), UInt8(ip.value >> 8 & 0xFF), UInt8(ip.value & 0xFF)]
    }

    /// TCP options in Linux's order and padding (tcp_options_write()); the result is a multiple of 4
    /// bytes and at most 40.
    static func encodeOptions(_ o: TCPOptions) -> [UInt8] {
        var b: [UInt8] = []
        if let mss = o.mss { b += [2, 4]; be16(mss, &b) }
        if let val = o.tsVal {
            // SACK-permitted, when present, takes the place of the two NOPs before the timestamps.
            b += o.sackPermitted ? [4, 2] : [1, 1]
            b += [8, 10]; be32(val, &b); be32(o.tsEcr, &b)
        } else if o.sackPermitted {
            b += [1, 1, 4, 2]
        }
        if let ws = o.windowScale { b += [1, 3, 3, ws] }
        if !o.sack.isEmpty {
            let room = (40 - b.count - 4) / 8
            let blocks = o.sack.prefix(max(room, 0))
            if !blocks.isEmpty {
                b += [1, 1, 5, UInt8(2 + 8 * blocks.count)]
                for blk in blocks { be32(blk.left.raw, &b); be32(blk.right.raw, &b) }
            }
        }
        while b.count % 4 != 0 { b.append(1) }   // not reached with the layout above; kept for safety
        return b
    }

    /// The Internet checksum (RFC 1071) of bytes, starting from a partial sum.
    static func checksum(_ bytes: [UInt8], initial: UInt32) -> UInt16 {
        var sum = initial
        var i = 0
        while i + 1 < bytes.count {
            sum = add(UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]), sum)
            i += 2
        }
        if i < bytes.count { sum = add(UInt32(bytes[i]) << 8, sum) }
        return ~UInt16(sum)
    }

    /// One's-complement addition of a 16-bit word, folding the carry.
    static func add(_ word: UInt32, _ sum: UInt32) -> UInt32 {
        var s = sum + word
        while s > 0xFFFF { s = (s & 0xFFFF) + (s >> 16) }
        return s
    }

    static func be16(_ v: UInt16, _ out: inout [UInt8]) { out += [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32, _ out: inout [UInt8]) {
        out += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }
    static func le16(_ v: UInt16, _ out: inout [UInt8]) { out += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32, _ out: inout [UInt8]) {
        out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
    }
}
