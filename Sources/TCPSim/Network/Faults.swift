// Faults a scenario schedules: process crashes, power cuts and boots, cable pulls, partitions,
// and forged segments.

extension Simulation {
    func apply(_ fault: Fault) {
        switch fault {
        case let .crash(name):
            guard let h = hostByName[name], hosts[h].up else { return }
            record(.fault(kind: "crash", hosts: [name], detail: "the application process on \(name) died"), note: .processCrash())
            crashProcess(h)
        case let .powerOff(name):
            guard let h = hostByName[name], hosts[h].up else { return }
            record(.fault(kind: "power-off", hosts: [name], detail: "\(name) lost power: no FIN, no RST, its TCP state is gone"), note: .powerOff())
            powerOff(h)
        case let .boot(name):
            guard let h = hostByName[name], !hosts[h].up else { return }
            hosts[h].up = true
            record(.fault(kind: "boot", hosts: [name], detail: "\(name) booted with an empty TCP stack"), note: .boot())
        case let .unplug(a, b), let .replug(a, b):
            let plugged: Bool
            if case .replug = fault { plugged = true } else { plugged = false }
            if let x = hostByName[a], let y = hostByName[b] {
                for k in [pair(x, y), pair(y, x)] where linkDirs[k] != nil { linkUnplugged[k] = !plugged }
            }
            record(.fault(kind: fault.name, hosts: [a, b], detail: plugged ? "the cable between \(a) and \(b) is back" : "the cable between \(a) and \(b) is pulled out"),
                   note: plugged ? nil : .unplug())
        case let .partition(groups):
            for (i, g) in groups.enumerated() {
                for (j, other) in groups.enumerated() where i != j {
                    for x in g { for y in other { if let i = hostByName[x], let j = hostByName[y] { partitioned[pair(i, j)] = true } } }
                }
            }
            record(.fault(kind: "partition", hosts: groups.flatMap { $0 }, detail: groups.map { $0.joined(separator: ",") }.joined(separator: " | ")))
        case .heal:
            partitioned = Array(repeating: false, count: partitioned.count)
            record(.fault(kind: "heal", hosts: [], detail: "every partition is healed"))
        case let .inject(i):
            inject(i)
        }
    }

    /// The process died: the kernel closes every descriptor it held, as close() would (tcp_close()).
    /// Calls it had blocked never return.
    func crashProcess(_ h: Int) {
        let host = hosts[h]
        for label in host.socketOrder {
            guard let s = host.sockets[label], !s.closed else { continue }
            s.blocked = nil
            s.pending.removeAll()
            s.closed = true
            if let l = s.listener {
                closeListener(l, host: h)
            } else if let ep = s.endpoint {
                ep.appClose(now: now)
                drain(ep, host: h)
            }
            host.sockets[label] = nil
        }
        host.awaitingAccept.removeAll()
    }

    /// Power lost: the host falls silent; its connections vanish without a segment.
    func powerOff(_ h: Int) {
        let host = hosts[h]
        for label in host.socketOrder {
            if let s = host.sockets[label], let l = s.listener, !s.closed {
                record(.state(host: host.name, socket: l.name, from: .LISTEN, to: .CLOSED))
            }
        }
        for ep in host.endpoints where ep.state != .CLOSED {
            record(.state(host: host.name, socket: ep.name, from: ep.state, to: .CLOSED), note: nil)
            ep.setStateSilently(.CLOSED)
            ep.timers.removeAll()
        }
        host.up = false
        host.epoch += 1
        host.sockets.removeAll()
        host.established.removeAll()
        host.listeners.removeAll()
        host.endpoints.removeAll()
        host.awaitingAccept.removeAll()
    }

    /// A sequence number given literally or as an observation of the wire.
    func evaluate(_ e: SeqExpr) -> SeqNum? {
        switch e {
        case let .value(v): return SeqNum(v)
        case let .observed(from, to, field, offset):
            guard let f = hostByName[from], let t = hostByName[to], let seen = lastSeen[pair(f, t)] else { return nil }
            let base: SeqNum = field == "seq" ? seen.seq : field == "ack" ? seen.ack : seen.endSeq
            return base + offset
        }
    }

    /// Put a forged segment on the wire. Addresses and numbers may come from what an on-path
    /// observer saw last in a direction.
    func inject(_ i: Injection) {
        var src = i.src, dst = i.dst
        if let like = i.like {
            let names = like.split(separator: ">").map(String.init)
            guard names.count == 2, let f = hostByName[names[0]], let t = hostByName[names[1]], let seen = lastSeen[pair(f, t)] else {
                record(.fault(kind: "inject", hosts: [], detail: "nothing was observed from \(like) yet, so there is no 4-tuple to copy"))
                return
            }
            src = seen.src
            dst = seen.dst
        }
        guard let src, let dst else { return }
        guard let seq = evaluate(i.seq), let ack = evaluate(i.ack) else {
            record(.fault(kind: "inject", hosts: [], detail: "the observation the injection needs was not made yet"))
            return
        }
        let seg = Segment(src: src, dst: dst, seq: seq, ack: ack, flags: i.flags, window: i.window, payload: Array(i.data.utf8)[...])
        let fromName = host(at: src.ip).map { hosts[$0].name } ?? src.ip.description
        guard let d = host(at: dst.ip) else {
            record(seg, from: fromName, to: dst.ip.description, arrives: nil, retransmit: false, lossReason: "no host has address \(dst.ip)",
                   note: nil, injected: true)
            return
        }
        record(.fault(kind: "inject", hosts: [hosts[d].name], detail: "a forged \(i.flags) segment \(src) → \(dst), seq \(seq.raw), ack \(ack.raw)"))
        let id = record(seg, from: fromName, to: hosts[d].name, arrives: now + i.delay, retransmit: false, lossReason: nil,
                        note: .injected(), injected: true)
        scheduleDelivery(seg, id: id, to: d, pair: -1, at: now + i.delay)
    }
}
