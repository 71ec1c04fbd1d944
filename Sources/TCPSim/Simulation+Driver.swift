// Driving a simulation from outside, one instant at a time: the packetdrill runner plays the remote
// peer this way. It advances virtual time, makes socket calls and puts segments on the wire at the
// current instant, and takes what the stack sends to a tapped host instead of delivering it.

/// A segment that reached a tapped host.
public struct TappedSegment: Sendable {
    public var segment: Segment
    /// The trace's segment id.
    public var id: Int
    public var at: Instant
}

extension Simulation {
    /// The simulated instant reached.
    public var currentTime: Instant { now }

    /// Why a bound stopped the run, if one did.
    public var stopReason: String? { truncated }

    /// Trace events recorded so far, from `index` on.
    public func recordedEvents(from index: Int) -> ArraySlice<TraceEvent> { events[min(index, events.count)...] }
    public var recordedCount: Int { events.count }

    /// Segments that reach `host` go to `takeTapped()` instead of its stack.
    public func tap(host name: String) {
        if let h = hostByName[name] { tapped.insert(h) }
    }

    /// Whether a segment reached a tapped host since the last `takeTapped()`.
    public var hasTapped: Bool { !arrivedAtTap.isEmpty }

    /// The segments that reached tapped hosts since the last call, oldest first.
    public func takeTapped() -> [TappedSegment] {
        defer { arrivedAtTap.removeAll() }
        return arrivedAtTap
    }

    /// Runs every event due at or before `t`, stopping early once `stop` returns true after an event;
    /// then time stands at `t` (or at the event that stopped it). False when a bound stopped the run.
    @discardableResult
    public func advance(through t: Instant, until stop: () -> Bool = { false }) -> Bool {
        while processNext(by: t) {
            if stop() { return true }
        }
        guard truncated == nil else { return false }
        now = max(now, t)
        return true
    }

    /// Makes a socket call now, as a scenario step at the current instant would. Returns its step index
    /// (the trace's call events carry it).
    @discardableResult
    public func call(host: String, socket: String, _ call: Call) -> Int {
        scenario.steps.append(Step(at: TimeSpan(us: now.us), host: host, socket: socket, call: call))
        let i = scenario.steps.count - 1
        issueStep(i)
        return i
    }

    /// Names the connections a listener will accept, in order, before they exist (children are named
    /// when the handshake completes, usually before accept() is called).
    public func nameChildren(host: String, listener: String, as labels: [String]) {
        if let h = hostByName[host] { hosts[h].acceptNames[listener] = labels }
    }

    /// Puts a segment on the wire from `host` now, through its link like any segment it sends.
    public func send(_ seg: Segment, from host: String) {
        guard let h = hostByName[host] else { return }
        transmit(seg, from: h, retransmit: false, note: nil)
    }

    /// Attaches a teaching note to the latest recorded event that `match` accepts (searched from the
    /// end, at most `within` events back).
    public func annotateLast(_ note: Note, within: Int = 10_000, where match: (TraceEvent) -> Bool) {
        var i = events.count - 1
        while i >= 0 && i >= events.count - within {
            if match(events[i]) {
                events[i].note = events[i].note.map { Note(en: $0.en + " " + note.en, zh: $0.zh + " " + note.zh) } ?? note
                return
            }
            i -= 1
        }
    }

    /// Ends the run at the current instant and returns the trace.
    public func finish() -> Trace { makeTrace() }
}
