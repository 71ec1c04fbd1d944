// The network between hosts: links with delay, rate and a drop-tail queue, seeded random loss,
// duplication, reordering and jitter per direction, targeted rules, cable pulls, partitions, NAT.

/// One direction of a link.
struct LinkDirection {
    var spec: LinkSpec
    var rng: SeededGenerator
    /// When the transmitter is free again (rate-limited links).
    var busyUntil = Instant.zero
    /// Departure times of queued segments, oldest first (drop-tail occupancy).
    var departures: [Instant] = []
    var departHead = 0
    var unplugged = false

    init(spec: LinkSpec, rng: SeededGenerator) {
        self.spec = spec
        self.rng = rng
    }

    /// Segments still waiting for the transmitter at `now`.
    mutating func queued(at now: Instant) -> Int {
        while departHead < departures.count, departures[departHead] <= now { departHead += 1 }
        if departHead > 4096 { departures.removeFirst(departHead); departHead = 0 }
        return departures.count - departHead
    }
}

extension Simulation {
    /// Bytes a segment occupies on a link: IPv4 (20) + TCP (20) headers, options, payload.
    static func wireBytes(_ seg: Segment) -> Int { 40 + seg.options.encodedLength + seg.len }

    /// Put a segment on the wire from host `h`: record it and schedule its arrival (or its loss).
    func transmit(_ seg: Segment, from h: Int, retransmit: Bool, note: Note?, injected: Bool = false) {
        var seg = seg
        let src = hosts[h]
        var lossReason: String? = nil
        var arrives: Instant? = nil
        var extra: TimeSpan = .zero
        var duplicate = false
        var linkKey = -1

        // NAT on the way out: an inside host's source address becomes the public one.
        if hasNats, let nat = scenario.nats.first(where: { $0.inside.contains(src.name) }),
           host(at: seg.dst.ip).map({ !nat.inside.contains(hosts[$0].name) }) ?? true {
            seg.src = natTranslateOut(seg, nat: nat)
        }
        // Where it goes: a host's address, or a NAT's public address (mapped back to an inside host).
        var dest: Int? = host(at: seg.dst.ip)
        if dest == nil, hasNats, let nat = scenario.nats.first(where: { $0.publicIP == seg.dst.ip }) {
            if let inside = natIn[FourTuple(local: seg.dst, remote: seg.src)] {
                dest = host(at: inside.ip)
            } else {
                lossReason = "the NAT at \(nat.publicIP) has no mapping for this segment"
            }
        }
        var toName = dest.map { hosts[$0].name } ?? seg.dst.ip.description
        if dest == nil && lossReason == nil {
            if seg.dst.ip.isLoopback || seg.dst.ip == src.ip {
                dest = h
                toName = src.name
            } else {
                lossReason = "no host has address \(seg.dst.ip)"
            }
        }
        if let d = dest {
            let key = pair(h, d)
            if observing { lastSeen[key] = seg }
            if !hosts[d].up && d != h {
                lossReason = "\(hosts[d].name) is powered off"
            } else if d == h {
                arrives = now + Simulation.loopbackDelay
            } else if partitioned[key] {
                lossReason = "a partition separates \(src.name) and \(hosts[d].name)"
            } else if var link = linkDirs[key] {
                linkDirs[key] = nil   // move it out, so its queue array is uniquely referenced while we append
                linkKey = key
                // Targeted rules first: "drop the 1st FIN from server", "delay the 3rd data segment".
                if hasRules {
                    switch applyRules(seg, from: src.name, to: hosts[d].name) {
                    case .drop?: lossReason = "dropped by a rule"
                    case let .delay(t)?: extra = t
                    case .duplicate?: duplicate = true
                    case nil: break
                    }
                }
                if lossReason == nil {
                    if link.unplugged {
                        lossReason = "the cable between \(src.name) and \(hosts[d].name) is unplugged"
                    } else if link.spec.loss > 0, link.rng.nextUnit() < link.spec.loss {
                        lossReason = "random loss (\(link.spec.loss))"
                    } else {
                        var depart = now
                        if let rate = link.spec.rate {
                            if link.queued(at: now) >= link.spec.queue {
                                lossReason = "the link's queue is full (\(link.spec.queue) packets, drop-tail)"
                            } else {
                                let start = max(now, link.busyUntil)
                                let tx = TimeSpan(us: max(1, Int64(Simulation.wireBytes(seg)) * 8 * 1_000_000 / rate))
                                link.busyUntil = start + tx
                                depart = link.busyUntil
                                link.departures.append(depart)
                            }
                        }
                        if lossReason == nil {
                            var t = depart + link.spec.delay + extra
                            if link.spec.jitter > .zero { t = t + TimeSpan(us: Int64(link.rng.nextUnit() * Double(link.spec.jitter.us))) }
                            if link.spec.reorder > 0, link.rng.nextUnit() < link.spec.reorder { t = t + link.spec.reorderDelay }
                            if link.spec.duplicate > 0, link.rng.nextUnit() < link.spec.duplicate { duplicate = true }
                            arrives = t
                        }
                    }
                }
                linkDirs[key] = link
            } else {
                lossReason = "no link between \(src.name) and \(hosts[d].name)"
            }
        }
        let id = record(seg, from: src.name, to: toName, arrives: arrives, retransmit: retransmit, lossReason: lossReason,
                        note: note, injected: injected)
        if let a = arrives, let d = dest { scheduleDelivery(seg, id: id, to: d, pair: linkKey, at: a) }
        if duplicate, let a = arrives, let d = dest {
            let copy = record(seg, from: src.name, to: toName, arrives: a + .us(1), retransmit: retransmit, lossReason: nil,
                              note: nil, injected: injected, duplicate: true)
            scheduleDelivery(seg, id: copy, to: d, pair: linkKey, at: a + .us(1))
        }
    }

    /// Record a segment event and return its id.
    @discardableResult
    func record(_ seg: Segment, from: String, to: String, arrives: Instant?, retransmit: Bool, lossReason: String?,
                note: Note?, injected: Bool = false, duplicate: Bool = false) -> Int {
        let id = nextSegmentID
        nextSegmentID += 1
        let (rs, ra) = relative(seg)
        var kept = seg
        if kept.payload.count > 64 { kept.payload = [] }   // the trace keeps short payloads only (as text previews)
        var ev = SegmentEvent(id: id, from: from, to: to, segment: kept, len: seg.len, relSeq: rs, relAck: ra,
                              arrivesAt: arrives, fate: arrives == nil ? .lost : .delivered, retransmit: retransmit,
                              lossReason: lossReason)
        ev.injected = injected
        ev.duplicate = duplicate
        record(.segment(ev), note: note)
        return id
    }

    /// The first rule that matches this segment and whose count it reaches.
    func applyRules(_ seg: Segment, from: String, to: String) -> NetRule.Action? {
        var result: NetRule.Action? = nil
        for (i, r) in scenario.rules.enumerated() {
            if let f = r.from, f != from { continue }
            if let t = r.to, t != to { continue }
            if !seg.flags.isSuperset(of: r.flags) { continue }
            if r.dataOnly && seg.len == 0 { continue }
            ruleMatches[i] += 1
            if result == nil, r.nth == nil || r.nth == ruleMatches[i] { result = r.action }
        }
        return result
    }

    /// A segment reaches host `h` over the link `pair` (-1 for loopback and injections).
    func arrive(_ seg: Segment, id: Int, at h: Int, pair link: Int) {
        if !tapped.isEmpty, tapped.contains(h) {
            arrivedAtTap.append(TappedSegment(segment: seg, id: id, at: now))
            return
        }
        let host = hosts[h]
        if !host.up {
            record(.drop(host: host.name, socket: nil, segment: id, reason: .HOST_DOWN), note: .hostDownDrop())
            return
        }
        if link >= 0, linkDirs[link]?.unplugged == true || partitioned[link] {
            record(.drop(host: host.name, socket: nil, segment: id, reason: .LINK_DOWN))
            return
        }
        var seg = seg
        // NAT on the way in: the public destination becomes the inside host's address.
        if hasNats, let inside = natIn[FourTuple(local: seg.dst, remote: seg.src)], scenario.nats.contains(where: { $0.publicIP == seg.dst.ip }) {
            seg.dst = inside
        }
        deliver(seg, id: id, to: h)
        // Applications run after the kernel has processed every segment arriving at this instant
        // (a burst is handled in one softirq pass before the reader is scheduled).
        if !wakePending[h] {
            wakePending[h] = true
            queue.push(.wake(host: h), at: now)
        }
    }

    /// Linux NF_NAT-style source NAT: a public port per (inside address, remote address) pair.
    func natTranslateOut(_ seg: Segment, nat: NATSpec) -> SocketAddress {
        let key = FourTuple(local: seg.src, remote: seg.dst)
        if let p = natOut[key] { return SocketAddress(nat.publicIP, p) }
        // Keep the inside port when it is free for this remote, as Linux's NAT tries to.
        var port = seg.src.port
        while natIn[FourTuple(local: SocketAddress(nat.publicIP, port), remote: seg.dst)] != nil {
            port = port == 65535 ? 1024 : port + 1
        }
        natOut[key] = port
        natIn[FourTuple(local: SocketAddress(nat.publicIP, port), remote: seg.dst)] = seg.src
        return SocketAddress(nat.publicIP, port)
    }
}
