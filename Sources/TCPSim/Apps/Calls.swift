// The applications: socket calls issued on a timeline, blocking the way POSIX calls block.
// Semantics follow Linux net/socket.c and net/ipv4/af_inet.c, tcp.c, inet_connection_sock.c.

extension Simulation {
    enum Outcome {
        case done(CallValue?, Errno?, data: String?, note: Note?)
        case blocked
    }

    /// A step's time has come: run it now, or queue it behind a blocked call on the same socket.
    func issueStep(_ i: Int) {
        let step = scenario.steps[i]
        guard let h = hostByName[step.host], hosts[h].up else { return }   // a powered-off host runs nothing
        let host = hosts[h]
        if case .socket = step.call {
            startCall(i, host: h)
            return
        }
        if let s = host.sockets[step.socket], s.blocked != nil || !s.pending.isEmpty {
            s.pending.append(i)
            return
        }
        if host.sockets[step.socket] == nil, acceptPending(for: step.socket, host: h) {
            // The socket will be created by an accept() that is still blocked: wait for it,
            // as the application's thread would.
            host.awaitingAccept[step.socket, default: []].append(i)
            return
        }
        startCall(i, host: h)
    }

    func startCall(_ i: Int, host h: Int) {
        let step = scenario.steps[i]
        let host = hosts[h]
        let name = host.sockets[step.socket]?.traceName ?? step.socket
        record(.call(CallEvent(host: host.name, socket: name, call: step.call.name, phase: .enter,
                               args: arguments(step.call), result: nil, errno: nil, step: i)))
        attempt(i, host: h, first: true)
    }

    /// Try to finish the call of step `i`; record its return, or leave it blocked.
    /// `known`, when given, is `host.sockets[step.socket]` (saves the lookups on a busy run).
    func attempt(_ i: Int, host h: Int, first: Bool, known: SocketHandle? = nil) {
        let step = scenario.steps[i]
        let host = hosts[h]
        let generation = host.socketsGeneration
        var outcome = perform(step, index: i, host: h, known: known)
        if case .blocked = outcome {
            // The common case on a busy run (a reader woken for nothing new): one lookup, then out.
            let found = known != nil && host.socketsGeneration == generation ? known : host.sockets[step.socket]
            guard let s = found else { return }
            if !s.nonBlocking {
                if s.blocked == nil { s.blocked = BlockedCall(step: i) }
                return
            }
        }
        if case .blocked = outcome, let s = host.sockets[step.socket], s.nonBlocking {
            // O_NONBLOCK: what would wait returns at once (sock_rcvtimeo()/sock_sndtimeo() give 0):
            // connect() with EINPROGRESS (the handshake goes on), a write that queued some bytes with
            // that count, everything else with EAGAIN.
            let progress = s.blocked?.step == i ? s.blocked!.progress : 0
            s.blocked = nil
            if case .connect = step.call {
                s.connecting = true
                outcome = .done(.int(-1), .EINPROGRESS, data: nil, note: .connectInProgress())
            } else if progress > 0 {
                outcome = .done(.int(progress), nil, data: nil, note: nil)
            } else {
                outcome = .done(.int(-1), .EAGAIN, data: nil, note: nil)
            }
        }
        switch outcome {
        case .blocked:
            if let s = host.sockets[step.socket], s.blocked == nil { s.blocked = BlockedCall(step: i) }
            return   // a blocked call changed nothing that needs carrying out
        case let .done(result, err, data, note):
            let s = host.sockets[step.socket]
            if s?.blocked?.step == i { s?.blocked = nil }
            let name = s?.traceName ?? step.socket
            var ev = CallEvent(host: host.name, socket: name, call: step.call.name, phase: .return, args: [],
                               result: result, errno: err, step: i)
            ev.data = data
            if case .getsockopt = step.call, err == nil { ev.value = optionRead }
            record(.call(ev), note: note)
            if case let .accept(label) = step.call, let l = s?.listener {
                record(.queue(host: host.name, socket: l.name, synQueue: l.synQueue.count, acceptQueue: l.acceptQueue.count, backlog: l.backlog))
                if err == nil, let waiting = host.awaitingAccept.removeValue(forKey: label) {
                    for j in waiting { issueStep(j) }
                }
            }
            if case .close = step.call, let s, s.closed, host.sockets[step.socket] === s {
                // The label is free again; later steps may create a new socket under it.
                let rest = s.pending
                host.sockets[step.socket] = nil
                for j in rest { startCall(j, host: h) }
                return
            }
            runPending(on: step.socket, host: h)
        }
        if let s = host.sockets[step.socket] {
            if let ep = s.endpoint { drain(ep, host: h) }
            if let l = s.listener { drain(l, host: h) }
        }
    }

    /// Is an accept() that will create `label` issued and still blocked (or queued) on this host?
    func acceptPending(for label: String, host h: Int) -> Bool {
        for s in hosts[h].sockets.values {
            let steps = (s.blocked.map { [$0.step] } ?? []) + s.pending
            for j in steps { if case let .accept(l) = scenario.steps[j].call, l == label { return true } }
        }
        return false
    }

    /// Start queued calls on a socket whose previous call returned.
    func runPending(on label: String, host h: Int) {
        guard let s = hosts[h].sockets[label] else { return }
        while s.blocked == nil, !s.pending.isEmpty {
            let next = s.pending.removeFirst()
            startCall(next, host: h)
        }
    }

    /// After an event on host `h`, wake the calls it may have unblocked (a connect that completed,
    /// data or EOF for a read, room in the send buffer, a connection in the accept queue).
    func settle(_ h: Int) {
        let host = hosts[h]
        var progress = true
        var rounds = 0
        while progress && rounds < 64 {
            progress = false
            rounds += 1
            let generation = host.socketsGeneration
            for s in host.orderedSockets {
                guard !s.closed, let step = s.blocked?.step else { continue }
                if let ep = s.endpoint {
                    switch scenario.steps[step].call {
                    case .read:
                        // A blocked read with nothing to return stays blocked, and trying changes nothing
                        // (appRead()'s wouldBlock path): skip it (most wake-ups on a lossy transfer).
                        if ep.readWouldBlock { continue }
                    case let .write(data):
                        // A blocking write sleeps until the send buffer is writeable again (Linux wakes
                        // it only then: see blockedWriterSleeps).
                        if host.socketsGeneration == generation, !s.nonBlocking, ep.blockedWriterSleeps,
                           let p = s.blocked?.progress, p < data.count { continue }
                    default:
                        break
                    }
                }
                // While the table is unchanged, `s` is the socket the step names (its label).
                attempt(step, host: h, first: false, known: host.socketsGeneration == generation ? s : nil)
                if s.blocked?.step != step { progress = true }
            }
        }
    }

    // MARK: The calls

    func perform(_ step: Step, index i: Int, host h: Int, known: SocketHandle? = nil) -> Outcome {
        let host = hosts[h]
        func fail(_ e: Errno, _ note: Note? = nil) -> Outcome { .done(.int(-1), e, data: nil, note: note) }
        func ok(_ v: Int = 0) -> Outcome { .done(.int(v), nil, data: nil, note: nil) }

        if case .socket = step.call {
            let s = SocketHandle(label: step.socket, fd: host.nextFd)
            host.nextFd += 1
            if let old = host.sockets[step.socket], !old.closed { old.closed = true }
            host.sockets[step.socket] = s
            if !host.socketOrder.contains(step.socket) { host.socketOrder.append(step.socket) }
            return ok(s.fd)
        }
        guard let s = known ?? host.sockets[step.socket] else { return fail(.EBADF) }

        switch step.call {
        case .socket:
            return ok(s.fd)

        case let .bind(ip, port):
            // inet_bind(): EINVAL if already bound; EADDRNOTAVAIL for an address not on this host.
            if s.bound != nil || s.endpoint != nil { return fail(.EINVAL) }
            let addrIP = ip ?? .any
            if addrIP != .any && addrIP != host.ip && !addrIP.isLoopback { return fail(.EADDRNOTAVAIL) }
            let addr = SocketAddress(addrIP, port)
            if port != 0 && host.bindConflict(addr, reuse: s.opts.reuseAddr, except: s) { return fail(.EADDRINUSE, .addrInUse()) }
            let p = port != 0 ? port : (host.ephemeralPort(to: SocketAddress(.any, 0)) ?? 0)
            s.bound = SocketAddress(addrIP, p)
            s.userBind = addr
            return ok()

        case let .listen(backlog):
            if s.endpoint != nil { return fail(.EINVAL) }
            if let l = s.listener {
                l.backlog = max(0, min(backlog, host.sysctls.somaxconn))
                return ok()
            }
            if s.bound == nil { s.bound = SocketAddress(.any, host.ephemeralPort(to: SocketAddress(.any, 0)) ?? 0) }
            let addr = s.bound!
            // inet_csk_get_port() at listen(): two SO_REUSEADDR sockets may share a port until one listens.
            for other in host.socketOrder.compactMap({ host.sockets[$0] }) where other !== s && !other.closed {
                if let b = other.bound, b.port == addr.port, b.ip == .any || addr.ip == .any || b.ip == addr.ip {
                    return fail(.EADDRINUSE, .addrInUse())
                }
            }
            let l = Listener(host: host.name, name: s.label, local: addr, backlog: backlog, sysctls: host.sysctls,
                             opts: s.opts, cookieSecret: host.rng.next())
            l.childNames = host.acceptNames[s.label] ?? []
            l.routeMss = { [unowned host] in host.advMss(to: $0) }
            s.listener = l
            host.listeners[addr] = l
            record(.state(host: host.name, socket: s.label, from: .CLOSED, to: .LISTEN))
            record(.queue(host: host.name, socket: s.label, synQueue: 0, acceptQueue: 0, backlog: l.backlog))
            return ok()

        case let .connect(target):
            if let ep = s.endpoint {
                if s.blocked?.step == i {
                    // The handshake finished (or failed) since connect() blocked.
                    if ep.state != .SYN_SENT && ep.state != .SYN_RECV { s.connecting = false }
                    switch ep.state {
                    case .SYN_SENT, .SYN_RECV: return .blocked
                    case .CLOSED:
                        return fail(connectFailure(ep, s, otherwise: .ECONNREFUSED))
                    default:
                        return .done(.int(0), nil, data: nil, note: .connectReturned())
                    }
                }
                if s.connecting {
                    // __inet_stream_connect() in SS_CONNECTING: EALREADY while the handshake runs (or wait,
                    // if the socket is blocking again); once it is over, the first connect() reports the
                    // outcome: 0, or the error (sock_error) that closed it.
                    switch ep.state {
                    case .SYN_SENT, .SYN_RECV:
                        if s.nonBlocking { return fail(.EALREADY) }
                        s.blocked = BlockedCall(step: i)
                        return .blocked
                    case .CLOSED:
                        s.connecting = false
                        return fail(connectFailure(ep, s, otherwise: .ECONNABORTED))
                    default:
                        s.connecting = false
                        return ok()
                    }
                }
                guard ep.state == .CLOSED && s.connectFailed else {
                    return fail(ep.state == .SYN_SENT ? .EALREADY : .EISCONN)
                }
            }
            // After a failed connect() (__inet_stream_connect(): sock_error → SS_UNCONNECTED and
            // tcp_disconnect()), connect() again starts a new handshake:
            // - tcp_disconnect(): write_seq += max_window + 2, and tcp_v4_connect() keeps a non-zero
            //   write_seq, so the new ISN is the old snd_nxt + max_window + 2;
            // - tcp_set_state(TCP_CLOSE) released an auto-bound port (inet_put_port() without
            //   SOCK_BINDPORT_LOCK), so a new ephemeral port is chosen; a port given to bind() stays.
            var carriedISN: SeqNum? = nil
            if let old = s.endpoint {
                var isn = old.iss + 1 + old.maxWindow + 2
                if isn.raw == 0 { isn = SeqNum(1) }
                carriedISN = isn
                s.endpoint = nil
                s.connectFailed = false
                if let b = s.userBind, b.port != 0 { s.bound = b } else { s.bound = nil }
            }
            if s.listener != nil { return fail(.EISCONN) }
            guard let dstIP = target.ip ?? target.host.flatMap({ n in hostByName[n].map { hosts[$0].ip } }) else { return fail(.EHOSTUNREACH) }
            let remote = SocketAddress(dstIP, target.port)
            let localIP: IPv4 = {
                if let b = s.bound, b.ip != .any { return b.ip }
                return dstIP.isLoopback ? IPv4(0x7F00_0001) : host.ip
            }()
            let port: UInt16
            if let b = s.bound { port = b.port } else {
                guard let p = host.ephemeralPort(to: remote) else { return fail(.EADDRNOTAVAIL) }
                port = p
            }
            let tuple = FourTuple(local: SocketAddress(localIP, port), remote: remote)
            var reusedFrom: Endpoint? = nil
            if let old = host.established[tuple] {
                // __inet_check_established() → tcp_twsk_unique(): a TIME_WAIT 4-tuple may be reused when
                // the old connection used timestamps (PAWS protects the new one), always for an explicitly
                // bound port, else only with tcp_tw_reuse (2 = loopback only) after tcp_tw_reuse_delay (1 s).
                let loopback = remote.ip.isLoopback || localIP.isLoopback
                let reuse = host.sysctls.tcp_tw_reuse == 1 || (host.sysctls.tcp_tw_reuse == 2 && loopback)
                let aged = old.timeWaitSince.map { now - $0 > .seconds(1) } ?? false
                guard old.state == .TIME_WAIT, old.tsOn, old.tsRecentStamp != nil, s.bound != nil || (reuse && aged) else {
                    return fail(.EADDRNOTAVAIL)
                }
                record(.state(host: host.name, socket: old.name, from: .TIME_WAIT, to: .CLOSED), note: .timeWaitReusedByConnect())
                old.setStateSilently(.CLOSED)
                old.done()
                drain(old, host: h)
                reusedFrom = old
            }
            s.bound = tuple.local
            let ep = Endpoint(host: host.name, name: s.label, tuple: tuple, sysctls: host.sysctls, opts: s.opts)
            ep.activeOpen = true
            // The route's advertised MSS: loopback's MTU is 65536, so 65535 − 40 (ipv4_default_advmss()).
            ep.advMss = host.advMss(to: dstIP)
            // RFC 6528 ISN and a per-connection timestamp offset, from the host's seeded generator.
            ep.iss = target.isn.flatMap(evaluate) ?? carriedISN ?? host.isn(tuple, at: now)
            if let old = reusedFrom {
                // tcp_twsk_unique(): write_seq = tw_snd_nxt + 65535 + 2; the peer's timestamp is inherited.
                ep.iss = old.sndNxt + 65537
                if ep.iss.raw == 0 { ep.iss = SeqNum(1) }
                ep.tsRecent = old.tsRecent
                ep.tsRecentStamp = old.tsRecentStamp
            }
            ep.tsOffset = host.tsOffset(local: tuple.local.ip, remote: tuple.remote.ip)
            ep.sndUna = ep.iss
            ep.sndNxt = ep.iss
            ep.sndMax = ep.iss
            ep.bufStart = ep.iss + 1
            s.endpoint = ep
            host.established[tuple] = ep
            host.endpoints.append(ep)
            ep.setState(.SYN_SENT)
            ep.sendSyn(now: now)
            drain(ep, host: h)
            s.blocked = BlockedCall(step: i)
            return perform(step, index: i, host: h)

        case let .accept(label):
            guard let l = s.listener, !s.closed else { return fail(.EINVAL) }
            guard !l.acceptQueue.isEmpty else { return .blocked }
            // inet_csk_accept(): take the oldest finished connection.
            let child = l.acceptQueue.removeFirst()
            child.parentListener = nil
            let ns = SocketHandle(label: label, fd: host.nextFd)
            host.nextFd += 1
            ns.opts = child.opts
            ns.endpoint = child
            ns.bound = child.tuple.local
            host.sockets[label] = ns
            if !host.socketOrder.contains(label) { host.socketOrder.append(label) }
            return .done(.int(ns.fd), nil, data: nil, note: .acceptReturned())

        case let .write(data):
            guard let ep = s.endpoint else { return fail(.EPIPE) }
            var b = s.blocked?.step == i ? s.blocked! : BlockedCall(step: i)
            let total = data.count
            while b.progress < total {
                // Only build the bytes that fit: the send buffer decides how much a blocking write queues now.
                let room = ep.sendSpace
                if room == 0, ep.state == .ESTABLISHED || ep.state == .CLOSE_WAIT, ep.pendingError == nil, !ep.sndShutdown {
                    s.blocked = b
                    return .blocked
                }
                // tcp_sendmsg_locked(): an error after some bytes were copied (do_error with copied) returns
                // the count and leaves sk_err for the next call.
                if b.progress > 0, ep.pendingError != nil { return .done(.int(b.progress), nil, data: nil, note: nil) }
                let chunk = writeBytes(data, from: b.progress, count: min(total - b.progress, max(room, 1), 1 << 20))
                switch ep.appWrite(chunk, now: now) {
                case let .failure(e):
                    drain(ep, host: h)
                    if b.progress > 0 { return .done(.int(b.progress), nil, data: nil, note: nil) }
                    return fail(e.errno)
                case let .success(n):
                    drain(ep, host: h)
                    if n == 0 {
                        s.blocked = b
                        return .blocked
                    }
                    b.progress += n
                }
            }
            return .done(.int(total), nil, data: nil, note: nil)

        case let .read(maxBytes, untilEOF):
            guard let ep = s.endpoint else { return fail(.ENOTCONN) }
            var b = s.blocked?.step == i ? s.blocked! : BlockedCall(step: i)
            let waited = s.blocked?.step == i
            while true {
                // Reading to the end keeps only the first 256 bytes (for the trace); the rest is counted.
                let outcome = untilEOF ? ep.appRead(max: .max, now: now, keep: max(0, 256 - b.collected.count))
                                       : ep.appRead(max: maxBytes, now: now)
                drain(ep, host: h)
                switch outcome {
                case let .data(bytes, count):
                    if !untilEOF {
                        return .done(.int(count), nil, data: preview(bytes),
                                     note: !waited && count > 0 ? .readAllBuffered(count) : nil)
                    }
                    // (Only while there is room: appending nothing would still copy the shared buffer.)
                    if b.collected.count < 256 { b.collected.append(contentsOf: bytes.prefix(256 - b.collected.count)) }
                    b.progress += count
                case .eof:
                    if untilEOF && b.progress > 0 {
                        return .done(.int(b.progress), nil, data: preview(b.collected), note: .eofRead())
                    }
                    return .done(.int(0), nil, data: nil, note: .eofRead())
                case let .error(e):
                    if b.progress > 0 { return .done(.int(b.progress), nil, data: preview(b.collected), note: nil) }
                    return fail(e)
                case .wouldBlock:
                    s.blocked = b
                    return .blocked
                }
            }

        case let .shutdown(how):
            guard let ep = s.endpoint else { return fail(.ENOTCONN) }
            // inet_shutdown(): TCP_CLOSE → ENOTCONN (sk_shutdown is still updated). A socket the app
            // still holds whose connection went to TIME_WAIT is TCP_CLOSE too: tcp_time_wait() hands
            // the connection to a timewait sock and calls tcp_done().
            if ep.state == .CLOSED || ep.state == .TIME_WAIT {
                if how != .SHUT_WR { ep.rcvShutdown = true }
                return fail(.ENOTCONN)
            }
            ep.appShutdown(read: how != .SHUT_WR, write: how != .SHUT_RD, now: now)
            drain(ep, host: h)
            return ok()

        case .close:
            s.closed = true
            if let l = s.listener {
                closeListener(l, host: h)
            } else if let ep = s.endpoint {
                ep.appClose(now: now)
                drain(ep, host: h)
            }
            return ok()

        case let .fcntl(nb):
            s.nonBlocking = nb
            return ok()

        case let .getsockopt(name):
            optionRead = readOption(name, socket: s, host: host)
            return ok()

        case let .setsockopt(opt, value):
            // do_tcp_setsockopt(): range checks before anything changes (MAX_TCP_KEEPIDLE,
            // MAX_TCP_KEEPINTVL = 32767 s, MAX_TCP_KEEPCNT = 127), else EINVAL.
            switch opt {
            case .TCP_KEEPIDLE, .TCP_KEEPINTVL: if !(1...32767).contains(value) { return fail(.EINVAL) }
            case .TCP_KEEPCNT: if !(1...127).contains(value) { return fail(.EINVAL) }
            default: break
            }
            let keepAliveWasOn = s.opts.keepAlive
            switch opt {
            case .SO_REUSEADDR: s.opts.reuseAddr = value != 0
            case .SO_KEEPALIVE: s.opts.keepAlive = value != 0
            case .SO_LINGER: s.opts.linger = value < 0 ? nil : value
            case .TCP_KEEPIDLE: s.opts.keepIdle = value
            case .TCP_KEEPINTVL: s.opts.keepIntvl = value
            case .TCP_KEEPCNT: s.opts.keepCnt = value
            case .TCP_NODELAY: s.opts.noDelay = value != 0
            case .TCP_USER_TIMEOUT: s.opts.userTimeoutMs = value
            case .TCP_QUICKACK: break
            }
            if let l = s.listener { l.opts = s.opts }
            if let ep = s.endpoint {
                ep.opts = s.opts
                switch opt {
                case .SO_KEEPALIVE:
                    // tcp_set_keepalive(): turning it on arms now + keepalive_time (only if it was
                    // off); turning it off deletes the timer.
                    if value == 0 { ep.cancelTimer(.keepalive) } else if !keepAliveWasOn { ep.armKeepalive(now: now) }
                case .TCP_KEEPIDLE: ep.keepIdleChanged(now: now)
                case .TCP_QUICKACK:
                    // __tcp_sock_set_quickack(): 0 enters pingpong; 1 leaves it and ACKs what is pending.
                    if value == 0 { ep.pingpong = max(ep.pingpong, ep.sysctls.tcp_pingpong_thresh) } else {
                        ep.pingpong = 0
                        if [.ESTABLISHED, .CLOSE_WAIT].contains(ep.state) && ep.ackPending { ep.sendAck(now: now) }
                    }
                case .TCP_NODELAY:
                    if value != 0 { ep.writeXmit(now: now) }   // tcp_push_pending_frames()
                default: break
                }
                drain(ep, host: h)
            }
            return ok()
        }
    }

    /// A connect() that finds its connection closed reports the error that closed it, once
    /// (sock_error() clears sk_err), and leaves the socket ready for a new connect().
    func connectFailure(_ ep: Endpoint, _ s: SocketHandle, otherwise: Errno) -> Errno {
        let e = ep.pendingError ?? otherwise
        ep.pendingError = nil
        ep.errorReported = true
        s.connectFailed = true
        return e
    }

    /// sock_getsockopt() / do_tcp_getsockopt(): an option's value as the socket holds it, Linux's
    /// default where the application set none. SO_ERROR returns the pending error and clears it.
    func readOption(_ name: String, socket s: SocketHandle, host: Host) -> Int {
        let o = s.endpoint?.opts ?? s.listener?.opts ?? s.opts
        let sys = host.sysctls
        switch name {
        case "SO_ERROR":
            guard let ep = s.endpoint, let e = ep.pendingError else { return 0 }
            ep.pendingError = nil
            ep.errorReported = true
            return e.linuxNumber
        case "SO_REUSEADDR": return o.reuseAddr ? 1 : 0
        case "SO_KEEPALIVE": return o.keepAlive ? 1 : 0
        case "TCP_NODELAY": return o.noDelay ? 1 : 0
        case "TCP_KEEPIDLE": return o.keepIdle ?? sys.tcp_keepalive_time
        case "TCP_KEEPINTVL": return o.keepIntvl ?? sys.tcp_keepalive_intvl
        case "TCP_KEEPCNT": return o.keepCnt ?? sys.tcp_keepalive_probes
        case "TCP_USER_TIMEOUT": return o.userTimeoutMs
        case "TCP_QUICKACK": return (s.endpoint.map { $0.pingpong == 0 } ?? true) ? 1 : 0
        default: return 0
        }
    }

    /// Linux inet_csk_listen_stop(): un-accepted children are disconnected (RST from the states that
    /// need one), request sockets die silently.
    func closeListener(_ l: Listener, host h: Int) {
        let host = hosts[h]
        for child in l.acceptQueue {
            if [.ESTABLISHED, .CLOSE_WAIT, .SYN_RECV].contains(child.state) {
                child.sendActiveReset(now: now, note: nil)
            }
            child.done()
            drain(child, host: h)
        }
        l.acceptQueue.removeAll()
        for t in l.synOrder { l.removeRequest(t, to: .CLOSED) }
        drain(l, host: h)
        if host.listeners[l.local] === l { host.listeners[l.local] = nil }
        record(.state(host: host.name, socket: l.name, from: .LISTEN, to: .CLOSED))
    }

    /// Bytes a write sends: the text, or a repeating a–z filler.
    func writeBytes(_ data: WriteData, from offset: Int, count: Int) -> ArraySlice<UInt8> {
        switch data {
        case let .text(t):
            return Array(t.utf8)[offset..<(offset + count)]
        case .bytes:
            // The a–z filler, copied out of a precomputed run of it (memcpy, not a byte loop).
            let start = offset % 26
            if start + count <= Simulation.filler.count { return Simulation.filler[start..<(start + count)] }   // shared, not copied
            var out = [UInt8]()
            out.reserveCapacity(count)
            var k = start
            while out.count < count {
                let n = min(count - out.count, Simulation.filler.count - k)
                out.append(contentsOf: Simulation.filler[k..<(k + n)])
                k = (k + n) % 26
            }
            return out[...]
        }
    }

    /// 64 KiB + 26 bytes of a–z repeating: any window of it starting at i continues the pattern at i.
    static let filler: [UInt8] = (0..<(65536 + 26)).map { UInt8(ascii: "a") + UInt8($0 % 26) }

    func preview<C: Collection>(_ bytes: C) -> String? where C.Element == UInt8 {
        guard !bytes.isEmpty, bytes.count <= 256 else { return nil }
        guard let s = String(validating: bytes, as: UTF8.self) else { return nil }
        return s
    }

    func arguments(_ call: Call) -> [(String, CallValue)] {
        switch call {
        case .socket, .close: return []
        case let .bind(ip, port): return [("ip", .string((ip ?? .any).description)), ("port", .int(Int(port)))]
        case let .listen(b): return [("backlog", .int(b))]
        case let .connect(t): return [("to", .string(t.description))]
        case let .accept(label): return [("as", .string(label))]
        case let .write(d):
            switch d {
            case let .text(t): return [("bytes", .int(d.count)), ("data", .string(t))]
            case .bytes: return [("bytes", .int(d.count))]
            }
        case let .read(m, untilEOF): return untilEOF ? [("until", .string("eof"))] : [("max", .int(m))]
        case let .shutdown(how): return [("how", .string(how.rawValue))]
        case let .setsockopt(o, v): return [("option", .string(o.rawValue)), ("value", .int(v))]
        case let .fcntl(nb): return [("nonblocking", .bool(nb))]
        case let .getsockopt(o): return [("option", .string(o))]
        }
    }
}
