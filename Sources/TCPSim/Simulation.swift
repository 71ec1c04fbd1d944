/// Limits that keep one run from taking unbounded memory or time.
public struct SimulationLimits: Sendable, Equatable {
    /// Events processed before the run is stopped.
    public var maxEvents: Int
    /// Trace events kept before the run is stopped.
    public var maxTraceEvents: Int
    public init(maxEvents: Int = 5_000_000, maxTraceEvents: Int = 2_000_000) {
        self.maxEvents = maxEvents
        self.maxTraceEvents = maxTraceEvents
    }
}

/// The result of a run: the trace events, the effective host settings, and why it stopped.
public struct Trace: Sendable {
    public var scenario: Scenario
    public var hosts: [(name: String, ip: IPv4, sysctls: Sysctls)]
    public var events: [TraceEvent]
    /// Simulated time the run reached.
    public var endTime: Instant
    /// Set when a bound stopped the run early.
    public var truncated: String?
    /// Socket tables taken at the requested instants.
    public var snapshots: [SocketSnapshot]
    /// Events processed by the scheduler.
    public var processedEvents: Int
    /// Totals kept whatever the trace level.
    public var counters: TraceCounters
    public var level: Simulation.TraceLevel
}

/// Totals over a run, kept even when the trace keeps only a summary.
public struct TraceCounters: Sendable {
    public var segments = 0
    public var lost = 0
    public var retransmissions = 0
    public var drops = 0
    public var bytesRead = 0
    public var firstWrite: Instant? = nil
    public var lastRead: Instant? = nil
    public var srttMin: TimeSpan? = nil
    public var srttMax: TimeSpan? = nil

    /// Application bytes read per second, from the first write to the last read (bits/s).
    public var goodput: Double? {
        guard let a = firstWrite, let b = lastRead, b > a, bytesRead > 0 else { return nil }
        return Double(bytesRead) * 8 / (b - a).seconds
    }
}

/// A deterministic discrete-event simulation of hosts running Linux-like TCP.
/// Time advances only from one scheduled event to the next; two events at the same instant run
/// in the order they were scheduled. The same scenario and seed always give the same trace.
public final class Simulation {
    enum Event {
        /// A segment (kept in the slab at `slot`) reaches `host` over the link `pair` (-1: none).
        case deliver(segmentID: Int, slot: Int, host: Int, pair: Int)
        case timer(host: Int, epoch: Int, Endpoint, TimerKind, generation: Int)
        case requestTimer(host: Int, epoch: Int, Listener, FourTuple)
        case step(Int)
        case snapshot(Int)
        case fault(Int)
        /// Wake the host's blocked calls once every segment arriving at this instant is processed.
        case wake(host: Int)
    }

    /// The scenario; a driver (see Simulation+Driver.swift) may append steps as it issues them.
    var scenario: Scenario
    let limits: SimulationLimits
    var hosts: [Host] = []
    var hostByIP: [IPv4: Int] = [:]
    /// The hosts' addresses by index: a scan of a few beats hashing on every segment.
    var hostIPs: [IPv4] = []

    /// The host that has address `ip`.
    @inline(__always) func host(at ip: IPv4) -> Int? {
        if hostIPs.count <= 16 { return hostIPs.firstIndex(of: ip) }
        return hostByIP[ip]
    }
    var hostByName: [String: Int] = [:]
    /// Each direction of each link, indexed by `pair(from, to)`, with its own generator, queue and state.
    var linkDirs: [LinkDirection?] = []
    /// Directions whose cable is pulled, by `pair(from, to)` (apart from `linkDirs`, so that checking
    /// one on every arrival copies no link state).
    var linkUnplugged: [Bool] = []
    /// Host pairs cut by a partition, by `pair(from, to)`.
    var partitioned: [Bool] = []
    /// Segments in flight, referenced by deliver events (a slab, so events stay small).
    var slab = Slab<Segment>()
    /// Some fault or connect needs to know the last segment seen in a direction.
    var observing = false
    /// The scenario has targeted rules / NATs (checked per segment, so kept at hand).
    var hasRules = false
    var hasNats = false
    /// How many segments matched each rule so far.
    var ruleMatches: [Int] = []
    /// The last segment seen on the wire from one host to another (by `pair`), for observers and injections.
    var lastSeen: [Segment?] = []
    /// NAT mappings: (inside address, remote) → public port, and back.
    var natOut: [FourTuple: UInt16] = [:]
    var natIn: [FourTuple: SocketAddress] = [:]
    var natNextPort: [IPv4: UInt16] = [:]
    /// The value the last getsockopt() read, for its return event.
    var optionRead = 0
    /// The box of the latest note recorded (see box(_:)).
    var lastNoteBox: NoteBox?
    /// A spare action buffer for drain().
    var actionScratch: [EndpointAction] = []
    /// The last two directions' relative-sequence bases (a flow alternates between two).
    var relCache: [(SeqKey, SeqBases)] = []
    /// The latest sender/receiver names and addresses of segment events, shared between events.
    var routes: [SegmentRoute] = []
    /// A shared SegmentRoute for these names and addresses.
    func route(from: String, to: String, src: SocketAddress, dst: SocketAddress) -> SegmentRoute {
        for r in routes where r.src == src && r.dst == dst && r.from == from && r.to == to { return r }
        let r = SegmentRoute(from: from, to: to, src: src, dst: dst)
        if routes.count == 4 { routes.removeFirst() }
        routes.append(r)
        return r
    }
    /// The routes of segments from host `a` to host `b`, by `pair(a, b)`, most recent last (a few
    /// connections at most between two hosts in any scenario; bulk runs have one).
    var routeByPair: [[SegmentRoute]] = []
    func routeBetween(_ a: Int, _ b: Int, src: SocketAddress, dst: SocketAddress) -> SegmentRoute {
        let k = pair(a, b)
        for r in routeByPair[k].reversed() where r.src == src && r.dst == dst { return r }
        let r = SegmentRoute(from: hosts[a].name, to: hosts[b].name, src: src, dst: dst)
        if routeByPair[k].count == 8 { routeByPair[k].removeFirst() }
        routeByPair[k].append(r)
        return r
    }
    /// Hosts with a wake-up scheduled at the current instant.
    var wakePending: [Bool] = []
    /// Hosts whose arriving segments a driver takes instead of their stack (a scripted peer).
    var tapped: Set<Int> = []
    var arrivedAtTap: [TappedSegment] = []
    var queue = EventQueue<Event>()
    var now = Instant.zero
    var events: [TraceEvent] = []
    var nextSegmentID = 1
    var relBase: [SeqKey: SeqBases] = [:]
    var snapshots: [SocketSnapshot] = []
    var snapshotTimes: [Instant]
    var truncated: String?
    var processed = 0

    /// Index of the direction from host `a` to host `b` in the per-pair tables.
    @inline(__always) func pair(_ a: Int, _ b: Int) -> Int { a * hosts.count + b }

    /// Schedule a segment's arrival.
    func scheduleDelivery(_ seg: consuming Segment, id: Int, to host: Int, pair: Int, at t: Instant) {
        queue.push(.deliver(segmentID: id, slot: slab.insert(seg), host: host, pair: pair), at: t)
    }

    struct SeqKey: Hashable {
        var src: SocketAddress
        var dst: SocketAddress
    }

    /// The ISNs of the latest incarnations (at most four, newest first) of one direction of a
    /// 4-tuple, kept inline so that looking them up copies no array.
    struct SeqBases {
        var count = 0
        var b0 = SeqNum(0), b1 = SeqNum(0), b2 = SeqNum(0), b3 = SeqNum(0)
        init() {}
        init(_ only: SeqNum) { count = 1; b0 = only }
        /// Insert at the front, keeping the newest four.
        mutating func pushFront(_ s: SeqNum) {
            b3 = b2; b2 = b1; b1 = b0; b0 = s
            count = min(count + 1, 4)
        }
        /// `v` relative to the newest base it follows by less than 2^31 (else to the newest).
        func relative(_ v: SeqNum) -> Int64 {
            for i in 0..<count {
                let b = i == 0 ? b0 : i == 1 ? b1 : i == 2 ? b2 : b3
                let d = v.raw &- b.raw
                if d < 1 << 31 { return Int64(d) }
            }
            return Int64(v.raw &- b0.raw)
        }
    }

    /// Loopback delivery time: segments a host sends to itself.
    static let loopbackDelay = TimeSpan.us(10)

    /// Prepares a run. The scenario must be valid (see `ScenarioParser`).
    /// How much of the run the trace keeps.
    public enum TraceLevel: String, Sendable, CaseIterable {
        /// Every event.
        case full
        /// Calls, states, faults and the counters only: for very large runs.
        case summary
    }

    let traceLevel: TraceLevel
    var counters = TraceCounters()
    /// Called every 65,536 events with the simulated time reached and the segments so far.
    public var progress: ((Instant, Int) -> Void)?
    /// Asked every 4,096 events whether to stop; a reason stops the run as truncated. The server
    /// uses it for a wall-time bound (the simulator itself never reads a clock).
    public var shouldStop: (() -> String?)?

    public init(scenario: Scenario, limits: SimulationLimits = SimulationLimits(), snapshotsAt: [Instant] = [],
                traceLevel: TraceLevel = .full) {
        self.traceLevel = traceLevel
        self.scenario = scenario
        self.limits = limits
        self.snapshotTimes = snapshotsAt
        for (i, spec) in scenario.hosts.enumerated() {
            let h = Host(spec: spec, seed: scenario.seed)
            hosts.append(h)
            hostByIP[spec.ip] = i
            hostByName[spec.name] = i
        }
        let n = hosts.count
        wakePending = Array(repeating: false, count: n)
        hostIPs = hosts.map(\.ip)
        linkDirs = Array(repeating: nil, count: n * n)
        partitioned = Array(repeating: false, count: n * n)
        linkUnplugged = Array(repeating: false, count: n * n)
        routeByPair = Array(repeating: [], count: n * n)
        lastSeen = Array(repeating: nil, count: n * n)
        for l in scenario.links {
            guard let a = hostByName[l.a], let b = hostByName[l.b] else { continue }
            hosts[a].routeMTU[hosts[b].ip] = l.mtu
            hosts[b].routeMTU[hosts[a].ip] = l.mtu
            for (x, y) in [(a, b), (b, a)] {
                linkDirs[x * n + y] = LinkDirection(spec: l, rng: SeededGenerator(seed: scenario.seed, stream: "link \(hosts[x].name)>\(hosts[y].name)"))
            }
        }
        hasRules = !scenario.rules.isEmpty
        hasNats = !scenario.nats.isEmpty
        observing = scenario.faults.contains { if case .inject = $0.fault { return true }; return false }
            || scenario.steps.contains { if case let .connect(t) = $0.call { return t.isn != nil }; return false }
        ruleMatches = Array(repeating: 0, count: scenario.rules.count)
        for (i, f) in scenario.faults.enumerated() { queue.push(.fault(i), at: Instant(us: f.at.us)) }
        // Children of a listener are named after the accept steps that will take them.
        for step in scenario.steps {
            if case let .accept(label) = step.call, let h = hostByName[step.host] {
                hosts[h].acceptNames[step.socket, default: []].append(label)
            }
        }
        // Bulk writes make large traces: reserve room for them once instead of letting the array double
        // (each doubling copies every event so far and touches fresh pages). About three trace events
        // per full segment (the segment, its ACK, a cc or timer event); pages never touched cost nothing.
        if traceLevel == .full {
            var bulk = 0
            for step in scenario.steps { if case let .write(.bytes(n)) = step.call { bulk += n } }
            let estimate = bulk / 1000 * 3
            if estimate > 4096 {
                events.reserveCapacity(min(estimate, limits.maxTraceEvents))
                MemoryAdvice.adviseLargeBuffer(&events)
            }
        }
        let order = scenario.steps.indices.sorted { (scenario.steps[$0].at, $0) < (scenario.steps[$1].at, $1) }
        for i in order { queue.push(.step(i), at: Instant(us: scenario.steps[i].at.us)) }
        for (i, t) in snapshotsAt.enumerated() { queue.push(.snapshot(i), at: t) }
    }

    /// Runs the scenario to its duration (or a bound) and returns the trace.
    public func run() -> Trace {
        let end = Instant(us: scenario.duration.us)
        while processNext(by: end) {}
        if truncated == nil { now = max(now, end) }
        return makeTrace()
    }

    /// Runs the next scheduled event if it is due by `end`. False when none is, or when a bound
    /// stopped the run (then `truncated` says which).
    @inline(__always) func processNext(by end: Instant) -> Bool {
        guard truncated == nil, let t = queue.nextTime, t <= end else { return false }
        if processed >= limits.maxEvents {
            truncated = "stopped after \(limits.maxEvents) events (the event limit) at t=\(now)"
            return false
        }
        if events.count >= limits.maxTraceEvents {
            truncated = "stopped after \(limits.maxTraceEvents) trace events (the trace limit) at t=\(now)"
            return false
        }
        guard let (time, ev) = queue.pop() else { return false }
        now = time
        processed += 1
        if processed & 0xFFFF == 0, let progress { progress(now, counters.segments) }
        if processed & 0xFFF == 0, let shouldStop, let reason = shouldStop() {
            truncated = "\(reason) at t=\(now)"
            return false
        }
        dispatch(ev)
        return true
    }

    /// The trace as it stands, with the socket tables asked for (those beyond the end describe the final state).
    func makeTrace() -> Trace {
        for (i, t) in snapshotTimes.enumerated() where !snapshots.contains(where: { $0.index == i }) {
            snapshots.append(takeSnapshot(index: i, at: t))
        }
        snapshots.sort { $0.index < $1.index }
        return Trace(scenario: scenario, hosts: hosts.map { ($0.name, $0.ip, $0.sysctls) }, events: events,
                     endTime: now, truncated: truncated, snapshots: snapshots, processedEvents: processed,
                     counters: counters, level: traceLevel)
    }

    func dispatch(_ ev: Event) {
        switch ev {
        case let .deliver(id, slot, h, pair):
            let seg = slab.take(slot)   // moved out of the slab, not copied
            arrive(seg, id: id, at: h, pair: pair)
        case let .timer(h, epoch, ep, kind, _):
            guard hosts[h].epoch == epoch, ep.timerEvent[kind] == now else { return }
            ep.timerEvent[kind] = nil
            guard let deadline = ep.timers[kind] else { return }   // cancelled meanwhile
            if deadline > now {
                ep.timerEvent[kind] = deadline                     // re-armed later: wait for it
                queue.push(.timer(host: h, epoch: epoch, ep, kind, generation: 0), at: deadline)
                return
            }
            record(.timer(host: hosts[h].name, socket: ep.name, timer: kind, action: .fire, deadline: nil))
            ep.timerFired(kind, now: now)
            drain(ep, host: h)
            settle(h)
        case let .requestTimer(h, epoch, l, tuple):
            guard hosts[h].epoch == epoch, let req = l.synQueue[tuple], req.deadline == now else { return }
            record(.timer(host: hosts[h].name, socket: req.name, timer: .synack, action: .fire, deadline: nil))
            l.requestTimer(tuple, now: now)
            drain(l, host: h)
            settle(h)
        case let .fault(i):
            apply(scenario.faults[i].fault)
        case let .wake(h):
            wakePending[h] = false
            settle(h)
        case let .step(i):
            issueStep(i)
        case let .snapshot(i):
            snapshots.append(takeSnapshot(index: i, at: now))
        }
    }

    // MARK: Trace recording

    /// Record a segment event (the hot path: the event moves into the trace without a copy).
    func recordSegment(_ s: consuming SegmentEvent, note: consuming Note?) {
        counters.segments += 1
        if s.fate == .lost { counters.lost += 1 }
        if s.retransmit { counters.retransmissions += 1 }
        if traceLevel == .summary { return }
        events.append(TraceEvent(t: now, kind: .segment(consume s), noteBox: note.map(box)))
    }

    /// A note's box, shared with the previous event when the note is the same (a bulk run's
    /// immediate ACKs carry one of two notes: one box each instead of one per ACK).
    func box(_ note: Note) -> NoteBox {
        if let b = lastNoteBox, b.note == note { return b }
        let b = NoteBox(note)
        lastNoteBox = b
        return b
    }

    func record(_ kind: consuming TraceEvent.Kind, note: consuming Note? = nil) {
        switch kind {
        case let .segment(s):
            counters.segments += 1
            if s.fate == .lost { counters.lost += 1 }
            if s.retransmit { counters.retransmissions += 1 }
            if traceLevel == .summary { return }
        case .drop:
            counters.drops += 1
            if traceLevel == .summary { return }
        case let .cc(_, _, info):
            if info.srtt > .zero {
                counters.srttMin = min(counters.srttMin ?? info.srtt, info.srtt)
                counters.srttMax = max(counters.srttMax ?? info.srtt, info.srtt)
            }
            if traceLevel == .summary { return }
        case .timer, .queue:
            if traceLevel == .summary { return }
        case let .call(c):
            if c.phase == .return, c.call == "read", case let .int(n)? = c.result, n > 0 {
                counters.bytesRead += n
                counters.lastRead = now
            }
            if c.phase == .enter, c.call == "write", counters.firstWrite == nil { counters.firstWrite = now }
        default:
            break
        }
        events.append(TraceEvent(t: now, kind: kind, noteBox: note.map(box)))
    }

    /// Relative sequence numbers, Wireshark-style: per direction of a 4-tuple, from the ISN of the
    /// latest SYN in that direction (or the first sequence number seen). A number that belongs to an
    /// earlier incarnation of the 4-tuple (an old connection's challenge ACK after a new SYN, or
    /// after a forged one) is shown relative to that incarnation's ISN.
    func relative(_ seg: borrowing Segment) -> (Int64, Int64?) {
        let key = SeqKey(src: seg.src, dst: seg.dst)
        var bases: SeqBases
        if seg.flags.contains(.syn) {
            bases = relBase[key] ?? SeqBases()
            if bases.count == 0 || bases.b0 != seg.seq { bases.pushFront(seg.seq) }
            relBase[key] = bases
            relCache.removeAll()
        } else if let b = self.bases(for: key) {
            bases = b
        } else {
            bases = SeqBases(seg.seq)
            relBase[key] = bases
        }
        let rs = bases.relative(seg.seq)
        var ra: Int64? = nil
        if seg.flags.contains(.ack) {
            let back = SeqKey(src: seg.dst, dst: seg.src)
            ra = (self.bases(for: back) ?? SeqBases(SeqNum(seg.ack.raw &- 1))).relative(seg.ack)
        }
        return (rs, ra)
    }

    /// relBase[key], through a two-entry cache (hashing two addresses per segment shows in profiles).
    func bases(for key: SeqKey) -> SeqBases? {
        for i in relCache.indices where relCache[i].0 == key { return relCache[i].1 }
        guard let b = relBase[key] else { return nil }
        if relCache.count == 2 { relCache.removeFirst() }
        relCache.append((key, b))
        return b
    }

    /// A segment arrives at host `h` (Linux tcp_v4_rcv()).
    func deliver(_ seg: Segment, id: Int, to h: Int) {
        let host = hosts[h]
        let tuple = FourTuple(local: seg.dst, remote: seg.src)
        if let ep = host.lookupEstablished(tuple) {
            if ep.state == .TIME_WAIT {
                let verdict = ep.timeWaitProcess(seg, now: now)
                switch verdict {
                case .ack:
                    ep.sendAck(now: now, note: .timeWaitLastAck())
                case let .syn(isn):
                    // TCP_TW_SYN: a listener takes the SYN with ISN = old snd_nxt + 65537.
                    if let l = host.lookupListener(seg.dst) {
                        record(.state(host: host.name, socket: ep.name, from: .TIME_WAIT, to: .CLOSED), note: .timeWaitReuse())
                        ep.setStateSilently(.CLOSED)
                        ep.done()
                        drain(ep, host: h, segmentID: id)
                        l.handle(seg, now: now, isn: isn, host: host, makeEndpoint: { self.makeEndpoint(host: h, tuple: $0, name: $1, listener: l) })
                        drain(l, host: h, segmentID: id)
                        return
                    }
                    if !ep.oowRateLimited(now: now) { ep.sendAck(now: now) }
                case .rst, .success:
                    break
                }
                drain(ep, host: h, segmentID: id)
                return
            }
            ep.handle(seg, now: now)
            drain(ep, host: h, segmentID: id)
            return
        }
        if let l = host.lookupListener(seg.dst) {
            l.handle(seg, now: now, isn: nil, host: host, makeEndpoint: { self.makeEndpoint(host: h, tuple: $0, name: $1, listener: l) })
            drain(l, host: h, segmentID: id)
            return
        }
        // No socket: RST per tcp_v4_send_reset().
        if let rst = Host.resetFor(seg) {
            transmit(rst, from: h, retransmit: false, note: seg.flags.contains(.syn) ? .rstNoSocket() : nil)
        }
        record(.drop(host: host.name, socket: nil, segment: id, reason: .NO_SOCKET))
    }

    func makeEndpoint(host h: Int, tuple: FourTuple, name: String, listener: Listener) -> Endpoint {
        let host = hosts[h]
        let ep = Endpoint(host: host.name, name: name, tuple: tuple, sysctls: host.sysctls, opts: listener.opts)
        host.established[tuple] = ep
        host.endpoints.append(ep)
        return ep
    }

    // MARK: Carrying out actions

    /// Carry out what an endpoint asked for. `segmentID` is the segment being processed, if any.
    func drain(_ ep: Endpoint, host h: Int, segmentID: Int? = nil) {
        // Swap the action buffers rather than copy them: no allocation per segment.
        if ep.actions.isEmpty { return }   // the common case after a read or write that found nothing to do
        var acts = actionScratch
        actionScratch = []
        while !ep.actions.isEmpty {
            swap(&acts, &ep.actions)
            for i in acts.indices {
                // Move each action out (leaving a payload-free placeholder) instead of copying it.
                var a = EndpointAction.destroyed
                swap(&a, &acts[i])
                perform(a, ep: ep, host: h, segmentID: segmentID)
            }
            acts.removeAll(keepingCapacity: true)
        }
        actionScratch = acts
    }

    func perform(_ a: consuming EndpointAction, ep: Endpoint, host h: Int, segmentID: Int?) {
        let host = hosts[h]
        switch consume a {
        case let .transmit(seg, retransmit, note):
            transmit(seg, from: h, retransmit: retransmit, note: note)
        case let .state(from, to, note):
            record(.state(host: host.name, socket: ep.name, from: from, to: to), note: note)
        case let .setTimer(kind, deadline):
            // Defensive: a deadline in the past fires now, so time never runs backwards.
            let at = max(deadline, now)
            record(.timer(host: host.name, socket: ep.name, timer: kind, action: .set, deadline: at))
            // Lazy scheduling, like the kernel's timer wheel: a timer pushed later than its pending
            // event (an RTO re-armed on every ACK) keeps that event, which reschedules itself on firing.
            if let pending = ep.timerEvent[kind], pending <= at { break }
            ep.timerEvent[kind] = at
            queue.push(.timer(host: h, epoch: host.epoch, ep, kind, generation: 0), at: at)
        case let .cancelTimer(kind):
            record(.timer(host: host.name, socket: ep.name, timer: kind, action: .cancel, deadline: nil))
        case let .drop(reason, note):
            if let id = segmentID { record(.drop(host: host.name, socket: ep.name, segment: id, reason: reason), note: note) }
        case let .resetReply(seg, note):
            if let rst = Host.resetFor(seg) { transmit(rst, from: h, retransmit: false, note: note) }
        case let .congestion(info):
            record(.cc(host: host.name, socket: ep.name, info: info))
        case let .rememberPeerTimestamp(ts):
            host.peerTimestamps[ep.tuple.remote.ip] = (ts, now)
        case .destroyed:
            // (A child reset while still in the accept queue stays there, as in Linux: accept() returns it.)
            if host.established[ep.tuple] === ep { host.established[ep.tuple] = nil }
        }
    }

    func drain(_ l: Listener, host h: Int, segmentID: Int? = nil) {
        let host = hosts[h]
        while !l.actions.isEmpty {
            let acts = l.actions
            l.actions.removeAll(keepingCapacity: true)
            for a in acts {
                switch a {
                case let .transmit(seg, retransmit, note):
                    transmit(seg, from: h, retransmit: retransmit, note: note)
                case let .drop(reason, note):
                    if let id = segmentID { record(.drop(host: host.name, socket: l.name, segment: id, reason: reason), note: note) }
                case let .resetReply(seg, note):
                    if let rst = Host.resetFor(seg) { transmit(rst, from: h, retransmit: false, note: note) }
                case let .queueChanged(note):
                    record(.queue(host: host.name, socket: l.name, synQueue: l.synQueue.count, acceptQueue: l.acceptQueue.count, backlog: l.backlog), note: note)
                case let .requestState(name, from, to, note):
                    record(.state(host: host.name, socket: name, from: from, to: to), note: note)
                case let .childCreated(ep, ack, announce):
                    if announce { record(.state(host: host.name, socket: ep.name, from: .LISTEN, to: .SYN_RECV)) }
                    ep.handle(ack, now: now)
                    drain(ep, host: h, segmentID: segmentID)
                case let .setRequestTimer(tuple, at):
                    if let req = l.synQueue[tuple] {
                        record(.timer(host: host.name, socket: req.name, timer: .synack, action: .set, deadline: at))
                    }
                    queue.push(.requestTimer(host: h, epoch: host.epoch, l, tuple), at: at)
                }
            }
        }
    }
}
