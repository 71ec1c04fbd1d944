// The socket calls of a script, mapped onto the simulator's calls. Sockets are known by the file
// descriptor the script gives them ("fd3"). A call or argument the simulator does not model is
// reported as unsupported with its line.

import TCPSim

enum Syscalls {
    struct Translated {
        var name: String
        /// The socket label: "fd3".
        var socket: String
        var call: Call
        var expected: Int64
        var expectedErrno: String?
        /// getsockopt(): the value the script expects in its `[v]` (nil: `...`).
        var expectedValue: Int? = nil
    }

    static func translate(_ sc: PDSyscall, line: Int, config: PDConfig) throws(PDProblem) -> Translated {
        let a = sc.args
        func unsupported(_ why: String) -> PDProblem { PDProblem(.unsupported, line: line, why) }
        func syntax(_ why: String) -> PDProblem { PDProblem(.syntax, line: line, why) }
        func argc(_ n: Int) throws(PDProblem) {
            if a.count != n { throw syntax("\(sc.name)() takes \(n) arguments, the script gives \(a.count)") }
        }
        func int(_ i: Int) throws(PDProblem) -> Int {
            switch a[i] {
            case let .int(v): return Int(v)
            case let .list(xs) where xs.count == 1: if case let .int(v) = xs[0] { return Int(v) }
            default: break
            }
            throw unsupported("argument \(i + 1) of \(sc.name)() must be a number here, not \(a[i])")
        }
        func fd() throws(PDProblem) -> String { "fd\(try int(0))" }
        /// A byte count or backlog, within what a scenario may ask (1 GiB).
        func count(_ i: Int) throws(PDProblem) -> Int {
            let v = try int(i)
            guard (0...(1 << 30)).contains(v) else { throw unsupported("\(sc.name)() with \(v) (tcplab takes 0…1 GiB here)") }
            return v
        }
        func anything(_ i: Int) throws(PDProblem) {
            if a[i] != .ellipsis { throw unsupported("\(sc.name)() with an explicit address (\(a[i])): tcplab uses packetdrill's defaults, written `...`") }
        }
        func noFlags(_ i: Int) throws(PDProblem) {
            if a[i] != .int(0) { throw unsupported("\(sc.name)() flags \(a[i]) are not modelled (only 0)") }
        }
        var t = Translated(name: sc.name, socket: "", call: .close, expected: sc.result, expectedErrno: sc.errno)
        if a.contains(.symbol("NULL")) { throw unsupported("\(sc.name)() with a NULL argument (EFAULT) is not modelled") }
        if sc.errno != nil && sc.result != -1 { throw syntax("an errno goes with a result of -1") }
        switch sc.name {
        case "socket":
            try argc(3)
            if a[1] != .symbol("SOCK_STREAM") && a[1] != .ellipsis { throw unsupported("socket() of type \(a[1]): tcplab models TCP (SOCK_STREAM)") }
            if a[2] != .symbol("IPPROTO_TCP") && a[2] != .int(0) && a[2] != .ellipsis { throw unsupported("socket() protocol \(a[2]): tcplab models TCP") }
            guard sc.result >= 0 else { throw unsupported("a socket() that fails is not modelled") }
            t.socket = "fd\(sc.result)"
            t.call = .socket
        case "bind":
            try argc(3)
            try anything(1)
            t.socket = try fd()
            t.call = .bind(ip: config.localIP, port: config.bindPort)
        case "listen":
            try argc(2)
            t.socket = try fd()
            t.call = .listen(backlog: try count(1))
        case "accept":
            try argc(3)
            try anything(1)
            t.socket = try fd()
            t.call = .accept(as: sc.result >= 0 ? "fd\(sc.result)" : "fd-line\(line)")
        case "connect":
            try argc(3)
            try anything(1)
            t.socket = try fd()
            t.call = .connect(Target(ip: config.remoteIP, port: config.connectPort))
        case "write", "send", "sendto":
            try argc(sc.name == "write" ? 3 : sc.name == "send" ? 4 : 6)
            if sc.name != "write" { try noFlags(3) }
            t.socket = try fd()
            t.call = .write(.bytes(try count(2)))
        case "read", "recv", "recvfrom":
            try argc(sc.name == "read" ? 3 : sc.name == "recv" ? 4 : 6)
            if sc.name != "read" { try noFlags(3) }
            t.socket = try fd()
            t.call = .read(max: try count(2), untilEOF: false)
        case "close":
            try argc(1)
            t.socket = try fd()
            t.call = .close
        case "shutdown":
            try argc(2)
            t.socket = try fd()
            guard case let .symbol(s) = a[1], let how = ShutdownHow(rawValue: s) else {
                throw syntax("shutdown() takes SHUT_RD, SHUT_WR or SHUT_RDWR")
            }
            t.call = .shutdown(how)
        case "fcntl":
            if a.count == 2 { throw unsupported("fcntl(\(a[1])) is not modelled (only F_SETFL with O_NONBLOCK)") }
            try argc(3)
            t.socket = try fd()
            guard a[1] == .symbol("F_SETFL"), case let .symbol(flags) = a[2] else {
                throw unsupported("fcntl() other than F_SETFL with O_ flags is not modelled")
            }
            let names = flags.split(separator: "|").map(String.init)
            if let other = names.first(where: { !["O_RDWR", "O_RDONLY", "O_WRONLY", "O_NONBLOCK"].contains($0) }) {
                throw unsupported("fcntl() flag \(other) is not modelled")
            }
            t.call = .fcntl(nonBlocking: names.contains("O_NONBLOCK"))
        case "getsockopt":
            try argc(5)
            t.socket = try fd()
            guard case let .symbol(level) = a[1], case let .symbol(name) = a[2] else { throw syntax("getsockopt(fd, LEVEL, OPTION, [value], [length])") }
            // An option getsockopt() reads (Call.readableOptions), at its level.
            let known = Call.readableOptions.contains(name) && (name == "SO_ERROR" ? level == "SOL_SOCKET" : Self.option(level, name) != nil)
            guard known else { throw unsupported("getsockopt(\(level), \(name)) is not modelled") }
            t.call = .getsockopt(name)
            switch a[3] {
            case .ellipsis: break
            case let .list(xs) where xs.count == 1:
                switch xs[0] {
                case let .int(v): t.expectedValue = Int(v)
                case let .symbol(e):
                    guard let errno = Errno(rawValue: e) else { throw unsupported("getsockopt() value \(e) is not an errno tcplab knows") }
                    t.expectedValue = errno.linuxNumber
                case .ellipsis: break
                default: throw syntax("getsockopt()'s value is [N], [ERRNO] or [...]")
                }
            default: throw syntax("getsockopt()'s value is [N], [ERRNO] or [...]")
            }
        case "setsockopt":
            try argc(5)
            t.socket = try fd()
            guard case let .symbol(level) = a[1], case let .symbol(name) = a[2] else { throw syntax("setsockopt(fd, LEVEL, OPTION, value, length)") }
            guard let option = Self.option(level, name) else { throw unsupported("setsockopt(\(level), \(name)) is not modelled") }
            if option == .SO_LINGER {
                // struct linger {l_onoff, l_linger}; packetdrill also spells them onoff / linger.
                guard case let .record(fields) = a[3] else { throw syntax("SO_LINGER takes {l_onoff=N, l_linger=N}") }
                func field(_ names: [String]) -> Int? {
                    for (k, v) in fields where names.contains(k) { if case let .int(n) = v { return Int(n) } }
                    return nil
                }
                guard let on = field(["l_onoff", "onoff"]), let secs = field(["l_linger", "linger"]) else {
                    throw syntax("SO_LINGER takes {l_onoff=N, l_linger=N}")
                }
                guard (0...(1 << 30)).contains(secs) else { throw unsupported("SO_LINGER of \(secs) s") }
                t.call = .setsockopt(.SO_LINGER, on == 0 ? -1 : secs)
            } else {
                let v = try int(3)
                guard (-1...(1 << 30)).contains(v) else { throw unsupported("setsockopt(\(name)) with \(v)") }
                t.call = .setsockopt(option, v)
            }
        default:
            throw unsupported("system call \(sc.name)() is not modelled")
        }
        return t
    }

    /// The modelled option `name` at `level`: SO_* at SOL_SOCKET, TCP_* at IPPROTO_TCP (or SOL_TCP).
    static func option(_ level: String, _ name: String) -> SocketOption? {
        guard let o = SocketOption(rawValue: name) else { return nil }
        let tcpLevel = level == "IPPROTO_TCP" || level == "SOL_TCP"
        return (name.hasPrefix("SO_") ? level == "SOL_SOCKET" : tcpLevel) ? o : nil
    }
}
