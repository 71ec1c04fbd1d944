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

    /// Carries a segment of `wireBytes` sent at `now` (plus `extra` delay from a rule): when it
    /// arrives, or why it is lost, and whether the link duplicates it. Draws from the generator in
    /// a fixed order: loss, jitter, reordering, duplication.
    mutating func carry(wireBytes: Int, now: Instant, extra: TimeSpan) -> (arrives: Instant?, lossReason: String?, duplicate: Bool) {
        if spec.loss > 0, rng.nextUnit() < spec.loss {
            return (nil, "random loss (\(spec.loss))", false)
        }
        var depart = now
        if let rate = spec.rate {
            if queued(at: now) >= spec.queue {
                return (nil, "the link's queue is full (\(spec.queue) packets, drop-tail)", false)
            }
            let start = max(now, busyUntil)
            let tx = TimeSpan(us: max(1, Int64(wireBytes) * 8 * 1_000_000 / rate))
            busyUntil = start + tx
            depart = busyUntil
            departures.append(depart)
        }
        var t = depart + spec.delay + extra
        if spec.jitter > .zero { t = t + TimeSpan(us: Int64(rng.nextUnit() * Double(spec.jitter.us))) }
        if spec.reorder > 0, rng.nextUnit() < spec.reorder { t = t + spec.reorderDelay }
        let duplicate = spec.duplicate > 0 && rng.nextUnit() < spec.duplicate
        return (t, nil, duplicate)
    }
}

extension Simulation {
    /// Bytes a segment occupies on a link: IPv4 (20) + TCP (20) headers, options, payload.
    static func wireBytes(_ seg: Segment) -> Int { 40 + seg.options.encodedLength + seg.len }

    /// Put a segment on the wire from host `h`: record it and schedule its arrival (or its loss).
    /// The segment is consumed: it moves into the slab of segments in flight without a copy.
    func transmit(_ seg: consuming Segment, from h: Int, retransmit: Bool, note: consuming Note?, injected: Bool = false) {
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
        if dest == nil && lossReason == nil {
            if seg.dst.ip.isLoopback || seg.dst.ip == src.ip {
                dest = h
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
            } else if linkDirs[key] != nil {
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
                    if linkUnplugged[key] {
                        lossReason = "the cable between \(src.name) and \(hosts[d].name) is unplugged"
                    } else {
                        // The direction is changed in place (its queue array stays uniquely referenced).
                        let carried = linkDirs[key]!.carry(wireBytes: Simulation.wireBytes(seg), now: now, extra: extra)
                        arrives = carried.arrives
                        lossReason = carried.lossReason
                        if carried.duplicate { duplicate = true }
                    }
                }
            } else {
                lossReason = "no link between \(src.name) and \(hosts[d].name)"
            }
        }
        let route = dest.map { routeBetween(h, $0, src: seg.src, dst: seg.dst) }
            ?? self.route(from: src.name, to: seg.dst.ip.description, src: seg.src, dst: seg.dst)
        let id = record(seg, route: route, arrives: arrives, retransmit: retransmit, lossReason: lossReason,
                        note: note, injected: injected)
        guard let a = arrives, let d = dest else { return }
        if duplicate {
            scheduleDelivery(copy seg, id: id, to: d, pair: linkKey, at: a)
            let copy = record(seg, route: route, arrives: a + .us(1), retransmit: retransmit, lossReason: nil,
                              note: nil, injected: injected, duplicate: true)
            scheduleDelivery(seg, id: copy, to: d, pair: linkKey, at: a + .us(1))
        } else {
            scheduleDelivery(seg, id: id, to: d, pair: linkKey, at: a)
        }
    }

    /// Record a segment event and return its id.
    @discardableResult
    func record(_ seg: borrowing Segment, from: String, to: String, arrives: Instant?, retransmit: Bool, lossReason: String?,
                note: consuming Note?, injected: Bool = false, duplicate: Bool = false) -> Int {
        record(seg, route: route(from: from, to: to, src: seg.src, dst: seg.dst), arrives: arrives, retransmit: retransmit, lossReason: lossReason,
               note: note, injected: injected, duplicate: duplicate)
    }

    @discardableResult
    func record(_ seg: borrowing Segment, route: SegmentRoute, arrives: Instant?, retransmit: Bool, lossReason: String?,
                note: consuming Note?, injected: Bool = false, duplicate: Bool = false) -> Int {
        let id = nextSegmentID
        nextSegmentID += 1
        let (rs, ra) = relative(seg)
        if traceLevel == .summary {
            // Counted, not kept (so no event is built: a summary run may outgrow its 32-bit ids).
            counters.segments += 1
            if arrives == nil { counters.lost += 1 }
            if retransmit { counters.retransmissions += 1 }
            return id
        }
        // The trace keeps short payloads only (as text previews): SegmentEvent drops longer ones.
        recordSegment(SegmentEvent(id: id, route: route, segment: seg, len: seg.len, relSeq: rs,
                                   relAck: ra, arrivesAt: arrives, fate: arrives == nil ? .lost : .delivered,
                                   retransmit: retransmit, lossReason: lossReason, injected: injected, duplicate: duplicate),
                      note: note)
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
    func arrive(_ seg: consuming Segment, id: Int, at h: Int, pair link: Int) {
        if !tapped.isEmpty, tapped.contains(h) {
            arrivedAtTap.append(TappedSegment(segment: seg, id: id, at: now))
            return
        }
        let host = hosts[h]
        if !host.up {
            record(.drop(host: host.name, socket: nil, segment: id, reason: .HOST_DOWN), note: .hostDownDrop())
            return
        }
        if link >= 0, linkUnplugged[link] || partitioned[link] {
            record(.drop(host: host.name, socket: nil, segment: id, reason: .LINK_DOWN))
            return
        }
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
