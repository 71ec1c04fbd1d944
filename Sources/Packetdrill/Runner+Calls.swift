// The calls of a script and their results (packetdrill's run_system_call.c), and the timing rule
// every event is checked against (run.c verify_time()).

import TCPSim

extension ScriptRun {
    // MARK: Calls

    func call(_ c: Syscalls.Translated, event ev: PDEvent, blockingEnd: Int64?) throws {
        switch c.call {
        case .socket:
            listening = false
            connecting = false
        case .listen:
            listening = true
            localPort = config.bindPort
            remotePort = 0
        case .connect:
            connecting = true
            remotePort = config.connectPort
        default:
            break
        }
        let step = sim.call(host: local, socket: c.socket, c.call)
        sim.annotateLast(lineNote(ev)) { if case let .call(ce) = $0.kind { return ce.step == step && ce.phase == .enter }; return false }
        scanReturns()
        if returns[step] != nil {
            try verifyResult(c, event: ev, step: step)
            return
        }
        let p = Pending(step: step, event: ev, call: c, endUs: blockingEnd ?? nowUs, blocking: blockingEnd != nil)
        if blockingEnd != nil {
            pending = p
            return
        }
        // Expected to return at once: like packetdrill, wait for it; a late return is a timing error.
        try awaitReturn(p)
        if let r = returns[step] { nowUs = max(nowUs, r.t.us) }
    }

    /// Simulates until a pending call returns, then checks it (time and result).
    func awaitReturn(_ p: Pending) throws {
        pending = p
        let deadline = max(nowUs, p.endUs) + config.toleranceUs + config.waitUs
        try advance(to: deadline, untilReturn: true)
        if pending != nil {
            pending = nil
            let hint = p.blocking ? "" : "; a call that waits for later events of the script is written with `...`"
            throw Mismatch(line: p.event.line, message: "\(p.call.name)() was still blocked at \(formatSeconds(sim.currentTime.us)) sec (the script expects it to return at \(formatSeconds(p.endUs)) sec\(hint))")
        }
    }

    func verifyReturn(_ p: Pending) throws {
        guard let r = returns[p.step] else { return }
        if let e = timingError("system call return", startUs: p.endUs, endUs: nil, actualUs: r.t.us) {
            throw Mismatch(line: p.event.line, message: e + (p.blocking ? "" : " (the call blocked: a blocking call is written with `...`)"))
        }
        try verifyResult(p.call, event: p.event, step: p.step)
    }

    func verifyResult(_ c: Syscalls.Translated, event ev: PDEvent, step: Int) throws {
        guard let r = returns[step] else { return }
        let actual: Int64 = { if case let .int(v)? = r.call.result { return Int64(v) }; return 0 }()
        let err = r.call.errno?.rawValue
        if c.expected == -1, let want = c.expectedErrno {
            if actual != -1 { throw Mismatch(line: ev.line, message: "\(c.name)(): expected result -1 (\(want)) but got \(actual)") }
            if err != want { throw Mismatch(line: ev.line, message: "\(c.name)(): expected errno \(want) but got \(err ?? "none")") }
            return
        }
        // socket() and accept() results are descriptors the script names; packetdrill maps the
        // script's number to the real one (run_syscall_socket(), run_syscall_accept()), so any
        // descriptor matches.
        if c.expected >= 0, actual >= 0, c.call == .socket || { if case .accept = c.call { return true }; return false }() { return }
        if actual != c.expected {
            throw Mismatch(line: ev.line, message: "\(c.name)(): expected result \(c.expected) but got \(actual)" + (err.map { " with errno \($0)" } ?? ""))
        }
        if let want = c.expectedValue, let got = r.call.value, want != got {
            let name = { (n: Int) in Errno.allCases.first { $0.linuxNumber == n }.map { " (\($0.rawValue))" } ?? "" }
            throw Mismatch(line: ev.line, message: "\(c.name)(): expected value \(want)\(name(want)) but got \(got)\(name(got))")
        }
    }

    // MARK: Time

    /// verify_time(): within the tolerance of the instant, or of a range.
    func timingError(_ what: String, startUs: Int64, endUs: Int64?, actualUs: Int64) -> String? {
        // verify_time(): the tolerance grows to tolerance_percent of the time since the last event.
        let tol = max(config.toleranceUs, Int64(config.tolerancePercent / 100 * Double(max(0, startUs - lastScriptUs))))
        if let endUs {
            if actualUs < startUs - tol || actualUs > endUs + tol {
                return "timing error: expected \(what) in time range \(formatSeconds(startUs))~\(formatSeconds(endUs)) sec but happened at \(formatSeconds(actualUs)) sec"
            }
            return nil
        }
        if actualUs < startUs - tol || actualUs > startUs + tol {
            return "timing error: expected \(what) at \(formatSeconds(startUs)) sec but happened at \(formatSeconds(actualUs)) sec; tolerance \(formatSeconds(tol)) sec"
        }
        return nil
    }
}
