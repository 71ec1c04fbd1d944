import Foundation
import TCPSim
import Testing
import TraceFormats

@Suite struct PcapTests {
    static func trace(_ id: String, params: [String: String] = [:]) throws -> Trace {
        Simulation(scenario: try #require(Catalogue.entry(id)).scenario(params: params)).run()
    }

    /// A lossy bulk transfer: retransmissions, SACK blocks, and payloads longer than the trace keeps.
    static func lossyBulk() throws -> Trace {
        try trace("bulk-transfer", params: ["bytes": "100000", "loss": "0.03", "rate": "10Mbit"])
    }

    static func segments(_ t: Trace) -> [(at: Instant, seg: SegmentEvent)] {
        t.events.compactMap { e in
            if case let .segment(s) = e.kind { return (e.t, s) }
            return nil
        }
    }

    // MARK: - A small reader of what Pcap writes

    struct Record {
        var sec: UInt32, usec: UInt32, caplen: Int, origlen: Int
        var frame: [UInt8]
    }

    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    static func mac(_ ip: IPv4) -> [UInt8] {
        [2, 0, UInt8(ip.value >> 24), UInt8(ip.value >> 16 & 0xFF), UInt8(ip.value >> 8 & 0xFF), UInt8(ip.value & 0xFF)]
    }
    static func be16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
    static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    static func records(_ file: [UInt8]) throws -> [Record] {
        var out: [Record] = []
        var i = 24
        while i < file.count {
            try #require(i + 16 <= file.count, "truncated record header at \(i)")
            let caplen = Int(le32(file, i + 8))
            try #require(i + 16 + caplen <= file.count, "truncated record at \(i)")
            out.append(Record(sec: le32(file, i), usec: le32(file, i + 4), caplen: caplen, origlen: Int(le32(file, i + 12)),
                              frame: Array(file[(i + 16)..<(i + 16 + caplen)])))
            i += 16 + caplen
        }
        return out
    }

    /// The one's-complement sum of 16-bit words (RFC 1071), folded; a valid checksummed block sums to 0xFFFF.
    static func onesSum(_ bytes: ArraySlice<UInt8>, initial: UInt32 = 0) -> UInt16 {
        var sum = initial
        var i = bytes.startIndex
        while i + 1 < bytes.endIndex {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.endIndex { sum += UInt32(bytes[i]) << 8 }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return UInt16(sum)
    }

    static func ipChecksumOK(_ f: [UInt8]) -> Bool { onesSum(f[14..<34]) == 0xFFFF }

    static func tcpChecksumOK(_ f: [UInt8]) -> Bool {
        let totalLen = Int(be16(f, 16))
        let tcp = f[34..<(14 + totalLen)]
        var pseudo: UInt32 = 0
        for k in stride(from: 26, to: 34, by: 2) { pseudo += UInt32(be16(f, k)) }   // source and destination
        pseudo += 6 + UInt32(tcp.count)
        return onesSum(tcp, initial: pseudo) == 0xFFFF
    }

    // MARK: - Tests

    // Little-endian libpcap 2.4, µs timestamps, thiszone 0, sigfigs 0, snaplen 65535, Ethernet.
    @Test func globalHeader() throws {
        let file = Pcap.bytes(try Self.trace("four-way-close"))
        #expect(Array(file.prefix(24)) == [
            0xD4, 0xC3, 0xB2, 0xA1, 0x02, 0x00, 0x04, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0xFF, 0xFF, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        ])
    }

    // One record per segment event, stamped with its time, each frame carrying the segment's raw header fields.
    @Test func oneRecordPerSegmentWithRawFields() throws {
        let t = try Self.trace("four-way-close")
        let segs = Self.segments(t)
        let recs = try Self.records(Pcap.bytes(t))
        #expect(segs.count == 9)
        #expect(recs.count == segs.count)
        for (k, (r, (at, s))) in zip(recs, segs).enumerated() {
            let g = s.segment, f = r.frame
            #expect(Int64(r.sec) * 1_000_000 + Int64(r.usec) == at.us, "record \(k) timestamp")
            #expect(r.caplen == r.origlen)
            #expect(Array(f[0..<6]) == Self.mac(g.dst.ip) && Array(f[6..<12]) == Self.mac(g.src.ip))
            #expect(Self.be16(f, 12) == 0x0800)
            #expect(f[14] == 0x45)
            #expect(Int(Self.be16(f, 16)) == f.count - 14)
            #expect(Self.be16(f, 18) == UInt16(k + 1), "IP id increments per packet")
            #expect(Self.be16(f, 20) == 0x4000, "DF")
            #expect(f[22] == 64 && f[23] == 6)
            #expect(Self.be32(f, 26) == g.src.ip.value && Self.be32(f, 30) == g.dst.ip.value)
            #expect(Self.be16(f, 34) == g.src.port && Self.be16(f, 36) == g.dst.port)
            #expect(Self.be32(f, 38) == g.seq.raw)
            #expect(Self.be32(f, 42) == g.ack.raw)
            let hdr = Int(f[46] >> 4) * 4
            #expect(hdr == 20 + g.options.encodedLength)
            #expect(f[47] == g.flags.rawValue)
            #expect(Self.be16(f, 48) == g.window)
            #expect(f.count - 34 - hdr == s.len)
            if s.len > 0, s.len <= 64 { #expect(Array(f[(34 + hdr)...]) == Array(g.payload)) }
        }
    }

    // The first record is the client's SYN, with its raw ISN and its options laid out as Linux does.
    @Test func firstRecordIsTheSyn() throws {
        let t = try Self.trace("four-way-close")
        let syn = try #require(Self.segments(t).first).seg.segment
        #expect(syn.flags == .syn)
        let f = try #require(try Self.records(Pcap.bytes(t)).first).frame
        #expect(f[47] == 0x02)
        #expect(Self.be32(f, 38) == syn.seq.raw)
        #expect(Self.be32(f, 42) == 0)
        let o = syn.options
        let mss = try #require(o.mss)
        #expect(mss == 1460)
        var expected: [UInt8] = [2, 4, UInt8(mss >> 8), UInt8(mss & 0xFF)]
        if let v = o.tsVal {
            expected += o.sackPermitted ? [4, 2] : [1, 1]
            expected += [8, 10, UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF), 0, 0, 0, 0]
        } else if o.sackPermitted {
            expected += [1, 1, 4, 2]
        }
        if let ws = o.windowScale { expected += [1, 3, 3, ws] }
        #expect(o.sackPermitted && o.tsVal != nil && o.windowScale != nil, "a Linux SYN carries all four options")
        let hdr = Int(f[46] >> 4) * 4
        #expect(hdr == 40)
        #expect(Array(f[54..<(34 + hdr)]) == expected)
    }

    // IPv4 header and TCP checksums verify on every packet, including SACK blocks and zero-filled payloads.
    @Test(arguments: ["four-way-close", "lossy-bulk"])
    func checksumsVerify(_ which: String) throws {
        let t = which == "lossy-bulk" ? try Self.lossyBulk() : try Self.trace(which)
        let segs = Self.segments(t)
        let recs = try Self.records(Pcap.bytes(t))
        #expect(recs.count == segs.count)
        for (k, r) in recs.enumerated() {
            #expect(Self.ipChecksumOK(r.frame), "IPv4 checksum of record \(k)")
            #expect(Self.tcpChecksumOK(r.frame), "TCP checksum of record \(k)")
        }
        if which == "lossy-bulk" {
            #expect(segs.contains { $0.seg.len > 64 }, "long, zero-filled payloads")
            #expect(segs.contains { !$0.seg.segment.options.sack.isEmpty }, "SACK blocks")
            #expect(segs.contains { $0.seg.retransmit })
        }
    }

    // tshark reads the file back: flags, raw seq/ack, payload length and window field match the trace,
    // and a full dissection with checksum validation reports nothing wrong.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/tshark"), "tshark not installed (apt-get install tshark)"),
          arguments: ["four-way-close", "lossy-bulk"])
    func tsharkAgrees(_ which: String) throws {
        let t = which == "lossy-bulk" ? try Self.lossyBulk() : try Self.trace(which)
        let segs = Self.segments(t)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tcplab-pcap-\(which)-\(getpid()).pcap")
        try Data(Pcap.bytes(t)).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }

        let fields = try Self.tshark(["-r", url.path, "-T", "fields", "-e", "tcp.flags.str", "-e", "tcp.seq_raw",
                                      "-e", "tcp.ack_raw", "-e", "tcp.len", "-e", "tcp.window_size_value"])
        let lines = fields.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines.count == segs.count)
        for (k, (line, (_, s))) in zip(lines, segs).enumerated() {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(cols.count == 5, "line \(k): \(line)")
            let g = s.segment
            // tcp.flags.str ends with "CEUAPRSF", a middle dot for each clear flag.
            let letters = Array(cols[0].unicodeScalars.suffix(8))
            var flags: UInt8 = 0
            for (bit, ch) in letters.enumerated() where ch != "\u{00B7}" { flags |= 0x80 >> UInt8(bit) }
            #expect(flags == g.flags.rawValue, "line \(k) flags \(cols[0])")
            #expect(cols[1] == String(g.seq.raw), "line \(k) seq")
            if g.flags.contains(.ack) { #expect(cols[2] == String(g.ack.raw), "line \(k) ack") }
            #expect(cols[3] == String(s.len), "line \(k) len")
            #expect(cols[4] == String(g.window), "line \(k) window")
        }

        let verbose = try Self.tshark(["-r", url.path, "-V", "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"])
        for bad in ["incorrect", "Malformed", "malformed", "Bogus", "[Expert Info (Error"] {
            #expect(!verbose.contains(bad), "tshark -V reports \(bad)")
        }
        #expect(verbose.components(separatedBy: "[Header checksum status: Good]").count - 1 == segs.count, "IPv4 checksums")
        #expect(verbose.components(separatedBy: "[Checksum Status: Good]").count - 1 == segs.count, "TCP checksums")
    }

    static func tshark(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/tshark")
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = FileManager.default.temporaryDirectory.path   // no user profile, default preferences
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "tshark exited with \(p.terminationStatus)")
        return String(decoding: data, as: UTF8.self)
    }
}
