#if canImport(Glibc)
import Glibc
#endif
import HTTPCore
@testable import HTTPServer
import Testing

/// The socket layer on its own, over socketpair(2) where no listener is needed.
@Suite struct SocketLayerTests {
    /// A connected pair of non-blocking stream sockets.
    func socketPair(sendBuffer: Int32? = nil) throws -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        try #require(socketpair(AF_UNIX, type, 0, &fds) == 0)
        if let sendBuffer {
            var size = sendBuffer
            setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        return (fds[0], fds[1])
    }

    func drain(_ fd: Int32, into received: inout [UInt8]) {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            received += chunk[0..<n]
        }
    }

    @Test func outputQueueResumesPartialWritesWhereTheyStopped() throws {
        let (a, b) = try socketPair(sendBuffer: 4096)
        defer { Sys.close(a); Sys.close(b) }
        let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n".utf8)
        let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        var queue = OutputQueue()
        let exchange = ConnectionStateMachine.Exchange(method: "GET", target: "/", status: .ok, bodyBytes: body.count, startedAt: .milliseconds(0))
        queue.append(.init(head: head, body: body, exchange: exchange))
        queue.append(.init(head: Array("next".utf8), body: [], exchange: nil))

        var received: [UInt8] = []
        var completed: [ConnectionStateMachine.Exchange] = []
        var wouldBlocks = 0
        while true {
            let result = queue.flush(to: a) { completed.append($0) }
            if result == .flushed { break }
            #expect(result == .wouldBlock)
            wouldBlocks += 1
            if wouldBlocks == 1 {
                // Stopped partway: the first response is not reported yet.
                #expect(completed.isEmpty)
            }
            drain(b, into: &received)
        }
        drain(b, into: &received)
        #expect(wouldBlocks > 0, "the small socket buffer must have forced partial writes")
        #expect(received == head + body + Array("next".utf8))
        #expect(completed == [exchange])
        #expect(queue.isEmpty)
    }

    @Test func readReportsBytesThenWouldBlockThenEndOfFile() throws {
        let (a, b) = try socketPair()
        defer { Sys.close(a) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 100, alignment: 1)
        defer { buffer.deallocate() }
        #expect(StreamSocket.read(a, into: buffer) == .wouldBlock)
        _ = Glibc.write(b, "hi", 2)
        #expect(StreamSocket.read(a, into: buffer) == .bytes(2))
        Sys.close(b)
        #expect(StreamSocket.read(a, into: buffer) == .endOfFile)
    }

    @Test func sendingToAClosedPeerFailsWithEPIPEInsteadOfKillingUs() throws {
        let (a, b) = try socketPair()
        defer { Sys.close(a) }
        Sys.close(b)
        // Without MSG_NOSIGNAL this would raise SIGPIPE and end the test process.
        let result = Array("x".utf8).withUnsafeBytes { StreamSocket.send(a, $0, UnsafeRawBufferPointer(start: nil, count: 0)) }
        #expect(result == .failed(SocketError(call: "sendmsg", errno: EPIPE)))
    }

    @Test func shutdownWriteSendsEndOfFileButKeepsReading() throws {
        let (a, b) = try socketPair()
        defer { Sys.close(a); Sys.close(b) }
        try StreamSocket.shutdownWrite(a)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
        defer { buffer.deallocate() }
        #expect(StreamSocket.read(b, into: buffer) == .endOfFile)  // the peer sees our FIN
        _ = Glibc.write(b, "late", 4)
        #expect(StreamSocket.read(a, into: buffer) == .bytes(4))  // and we still read it
    }

    @Test func socketErrorCarriesTheCallAndErrno() {
        let error = SocketError(call: "bind", errno: EADDRINUSE)
        #expect(error.description.hasPrefix("bind: "))
        #expect(error.description.hasSuffix("(errno \(EADDRINUSE))"))
        #expect(SocketAddress(host: "not an address", port: 80) == nil)
        #expect(SocketAddress(host: "::1", port: 8080)?.description == "[::1]:8080")
        #expect(SocketAddress(host: "localhost", port: 1)?.description == "127.0.0.1:1")
    }

    @Test func reuseAddressLetsARestartBindDespiteTimeWait() throws {
        let first = try ListeningSocket(address: SocketAddress(host: "127.0.0.1", port: 0)!, backlog: 8)
        let port = first.address.port
        let client = try TestClient(port: port)
        var accepted: (fd: Int32, peer: SocketAddress)?
        #expect(eventually { accepted = try? first.accept(); return accepted != nil })
        // The server closes first (the active close), so its side of the connection, on the
        // listening port, enters TIME_WAIT.
        Sys.close(try #require(accepted).fd)
        _ = try client.readsEOF()
        first.close()
        let second = try ListeningSocket(address: SocketAddress(host: "127.0.0.1", port: port)!, backlog: 8)
        #expect(second.address.port == port)
        second.close()
    }

    @Test func epollReportsEdgesAndWakeups() throws {
        let poller = try EpollPoller()
        defer { poller.close() }
        let (a, b) = try socketPair()
        defer { Sys.close(a); Sys.close(b) }
        try poller.register(a, .readWriteEdgeTriggered)
        var events: [ReadinessEvent] = []
        // A new socket is writable: one edge.
        _ = try poller.wait(timeout: .milliseconds(100), into: &events)
        #expect(events == [ReadinessEvent(fd: a, readable: false, writable: true, failed: false)])
        // Edge-triggered: nothing new, nothing reported.
        _ = try poller.wait(timeout: .zero, into: &events)
        #expect(events.isEmpty)
        _ = Glibc.write(b, "x", 1)
        _ = try poller.wait(timeout: .milliseconds(100), into: &events)
        #expect(events.first?.readable == true)
        poller.wakeup()
        #expect(try poller.wait(timeout: .milliseconds(100), into: &events))
    }

    @Test func deadlineHeapAgreesWithASortedReference() {
        var heap = DeadlineHeap()
        var reference: [Int32: Int64] = [:]
        var rng: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ n: UInt64) -> UInt64 {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17  // xorshift64
            return rng % n
        }
        for step in 0..<5000 {
            let fd = Int32(next(200))
            if next(4) == 0 {
                heap.set(fd, nil)
                reference[fd] = nil
            } else {
                let t = Int64(next(10_000))
                heap.set(fd, .milliseconds(t))
                reference[fd] = t
            }
            if step % 500 == 0 {
                let now = Int64(next(10_000))
                let expected = reference.filter { $0.value <= now }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
                let popped = heap.popExpired(.milliseconds(now))
                #expect(Set(popped) == Set(expected.map(\.key)))
                #expect(popped.map { reference[$0]! } == expected.map(\.value))  // earliest first
                for fd in popped { reference[fd] = nil }
            }
            #expect(heap.count == reference.count)
            #expect(heap.earliest?.deadline.nanoseconds == reference.values.min().map { $0 * 1_000_000 })
        }
    }

    @Test func workerPoolRunsJobsAndRefusesBeyondItsQueue() {
        let pool = WorkerPool(threadCount: 1, queueCapacity: 2)
        let gate = Protected((open: false, ran: 0))
        let job: WorkerPool.Job = {
            gate.wait(until: { $0.open })
            gate.withLock { $0.ran += 1 }
            gate.broadcast()
        }
        #expect(pool.submit(job))
        #expect(eventually { pool.busy == 1 })  // the worker holds the first job
        #expect(pool.submit(job) && pool.submit(job))  // two wait in the queue
        #expect(!pool.submit(job))  // the third is refused
        gate.withLock { $0.open = true }
        gate.broadcast()
        gate.wait(until: { $0.ran == 3 })
        #expect(pool.stop(deadline: SystemClock.monotonic() + .seconds(2)))
        #expect(!pool.submit(job))
    }
}
