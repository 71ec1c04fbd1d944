#if canImport(Glibc)
import Glibc
#endif
import HTTPCore
@testable import HTTPServer
import JSONCore
import Logging
import Testing

/// The server over real loopback sockets. Serialized: several tests measure latency, and two
/// cores shared with other suites are noisy enough already.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct EndToEndTests {
    @Test func answersARequestAndLogsIt() throws {
        let log = CapturedLog()
        try withServer(logger: log.logger) { _, port in
            let client = try TestClient(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.status == 200 && r.text == "hello")
            #expect(r.headers["Content-Length"] == "5")
            #expect(r.headers["Date"]?.hasSuffix(" GMT") == true)
            #expect(r.headers["Content-Type"] == "text/plain; charset=utf-8")
        }
        // One line per request: method, target, status, bytes, duration.
        let line = log.messages.first { $0.contains("GET /hello") }
        let pattern = try Regex(#"info GET /hello 200 5B \d+\.\d\dms"#)
        #expect(line.flatMap { try? pattern.wholeMatch(in: $0) } != nil, "\(log.messages)")
    }

    @Test func keepAliveReusesOneConnection() throws {
        try withServer { server, port in
            let client = try TestClient(port: port)
            for i in 0..<5 {
                try client.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\n\(i)")
                let r = try client.readResponse()
                #expect(r.text == "\(i)" && r.headers["Connection"] == nil)
            }
            #expect(server.stats.snapshot.accepted == 1)
            // Counted just after the last write returns, which may be after the client read it.
            #expect(eventually { server.stats.snapshot.responses == 5 })
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            // The first is slow: the others must still come back after it, in order.
            try client.send(
                "GET /slow?ms=100 HTTP/1.1\r\nHost: t\r\n\r\n" + "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nlast"
            )
            #expect(try client.readResponse().text == "slow")
            #expect(try client.readResponse().text == "hello")
            #expect(try client.readResponse().text == "last")
        }
    }

    @Test func manyClientsAtOnce() throws {
        try withServer { server, port in
            let errors = concurrently(16) { i in
                let client = try TestClient(port: port)
                for j in 0..<25 {
                    let body = "\(i)-\(j)"
                    try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                    let r = try client.readResponse()
                    if r.text != body { throw TestClient.Failure(description: "got \(r.text) for \(body)") }
                }
            }
            #expect(errors.isEmpty, "\(errors)")
            #expect(server.stats.snapshot.accepted == 16)
            #expect(eventually { server.stats.snapshot.responses == 400 })
        }
    }

    @Test func slowlorisIsTimedOutWithoutDelayingOthers() throws {
        try withServer { _, port in
            let slow = try TestClient(port: port)
            let head = Array("GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: 1\r\n".utf8)
            let fast = try TestClient(port: port)
            var worst: Int64 = 0
            var sentBeforeTimeout = 0
            // One byte every 50 ms, forever; the header timeout (600 ms) must cut it off, and a
            // well-behaved client must be served promptly all along.
            for byte in head {
                do { try slow.send([byte]) } catch { break }
                sentBeforeTimeout += 1
                let took = try milliseconds {
                    try fast.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                    _ = try fast.readResponse()
                }
                worst = max(worst, took)
                sleep(ms: 50)
                if sentBeforeTimeout * 50 > 900 { break }
            }
            #expect(worst < 200, "a fast request took \(worst) ms while the slow client dripped")
            let r = try slow.readResponse()
            #expect(r.status == 408)
            #expect(r.headers["Connection"] == "close")
            #expect(try slow.readsEOF())
        }
    }

    @Test func oversizedHeadIs431AndClosed() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\nCookie: " + String(repeating: "c", count: 20_000) + "\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.status == 431)
            #expect(r.headers["Connection"] == "close")
            #expect(r.headers["Content-Type"] == "application/problem+json")
            #expect(try client.readsEOF())
        }
    }

    @Test func malformedRequestIs400ThenACleanClose() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            // The client keeps talking after its bad request: the server must still deliver the
            // 400 (shutdown(SHUT_WR) and drain, not a close() that would reset).
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n Folded: yes\r\n\r\n" + String(repeating: "garbage ", count: 1000))
            let r = try client.readResponse()
            #expect(r.status == 400)
            #expect(r.headers["Connection"] == "close")
            #expect(try client.readsEOF())
        }
    }

    @Test func unsupportedTransferCodingIs501() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
            #expect(try client.readResponse().status == 501)
        }
    }

    @Test func bodyOverTheLimitIs413() throws {
        var configuration = testConfiguration()
        configuration.connection.limits.maxBodyBytes = 1000
        try withServer(configuration: configuration) { _, port in
            let client = try TestClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n")
            #expect(try client.readResponse().status == 413)
            #expect(try client.readsEOF())
        }
    }

    @Test func chunkedBodyIsDecoded() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n")
            #expect(try client.readResponse().text == "Wikipedia")
        }
    }

    @Test func expectContinueGetsAnInterimResponse() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            #expect(try client.readResponse().status == 100)
            try client.send("hello")
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test func headSendsFieldsWithoutTheBody() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try client.readResponse(bodyless: true)
            #expect(head.status == 200 && head.headers["Content-Length"] == "5")
            // Had a body been sent, this would read it as the next response.
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test func http10WithoutKeepAliveIsClosed() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send("GET /hello HTTP/1.0\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.text == "hello" && r.headers["Connection"] == "close")
            #expect(try client.readsEOF())
        }
    }

    @Test func gzipAndRevalidation() throws {
        try withServer { _, port in
            let client = try TestClient(port: port)
            try client.send("GET /json HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n")
            let r = try client.readResponse()
            #expect(r.headers["Content-Encoding"] == "gzip")
            let json = try JSON.parse(bytes: try #require(Gzip.decompress(r.body)))
            #expect(json[499]?["seq"] == 499)
            let tag = try #require(r.headers["ETag"])
            try client.send("GET /json HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\nIf-None-Match: \(tag)\r\n\r\n")
            let again = try client.readResponse()
            #expect(again.status == 304 && again.body.isEmpty && again.headers["ETag"] == tag)
        }
    }

    @Test func clientVanishingMidResponseLeavesTheServerHealthy() throws {
        try withServer { server, port in
            let quitter = try TestClient(port: port)
            try quitter.send("GET /big?bytes=8000000 HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try quitter.read(1000)
            quitter.reset()  // RST while the server still has megabytes to write
            #expect(eventually { server.stats.snapshot.open == 0 })
            let next = try TestClient(port: port)
            try next.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try next.readResponse().text == "hello")
        }
    }

    @Test func idleKeptAliveConnectionIsClosedAfterTheIdleTimeout() throws {
        var configuration = testConfiguration()
        configuration.connection.idleTimeout = .milliseconds(300)
        try withServer(configuration: configuration) { _, port in
            let client = try TestClient(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readResponse()
            var closed = false
            let waited = try milliseconds { closed = try client.readsEOF() }
            #expect(closed)
            #expect(waited >= 250 && waited < 1500, "closed after \(waited) ms")
        }
    }

    @Test func clientThatStopsReadingIsDroppedAfterTheWriteTimeout() throws {
        var configuration = testConfiguration()
        configuration.connection.writeTimeout = .milliseconds(300)
        try withServer(configuration: configuration) { server, port in
            let stalled = try TestClient(port: port)
            // 32 MB cannot fit in the socket buffers of both ends: the writes must stall.
            try stalled.send("GET /big?bytes=32000000 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(eventually { server.stats.snapshot.open == 1 })
            var dropped = false
            let waited = milliseconds { dropped = eventually { server.stats.snapshot.open == 0 } }
            #expect(dropped)
            #expect(waited < 1500, "dropped after \(waited) ms")
            // Others are unaffected.
            let next = try TestClient(port: port)
            try next.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try next.readResponse().text == "hello")
        }
    }

    @Test func cpuHeavyHandlerDoesNotStallTheLoop() throws {
        var configuration = testConfiguration()
        configuration.workerThreads = 2
        try withServer(configuration: configuration) { _, port in
            let heavy = try TestClient(port: port)
            try heavy.send("GET /spin?ms=700 HTTP/1.1\r\nHost: t\r\n\r\n")
            sleep(ms: 50)
            let light = try TestClient(port: port)
            let took = try milliseconds {
                for _ in 0..<5 {
                    try light.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                    _ = try light.readResponse()
                }
            }
            #expect(took < 400, "5 light requests took \(took) ms beside a spinning handler")
            #expect(try heavy.readResponse().text == "spun true")
        }
    }

    @Test func fullWorkerQueueAnswers503() throws {
        var configuration = testConfiguration()
        configuration.workerThreads = 1
        configuration.workerQueueCapacity = 1
        try withServer(configuration: configuration) { _, port in
            let statuses = Protected([Int]())
            let errors = concurrently(4) { _ in
                let client = try TestClient(port: port)
                try client.send("GET /slow?ms=300 HTTP/1.1\r\nHost: t\r\n\r\n")
                let r = try client.readResponse()
                statuses.withLock { $0.append(r.status) }
                if r.status == 503 && r.headers["Retry-After"] != "1" { throw TestClient.Failure(description: "no Retry-After") }
            }
            #expect(errors.isEmpty, "\(errors)")
            let all = statuses.withLock { $0 }
            // At most one running and one queued (one, if the loop queued the first before the
            // worker took it); the others are refused at once rather than made to wait.
            let ok = all.filter { $0 == 200 }.count
            #expect((1...2).contains(ok) && all.filter { $0 == 503 }.count == 4 - ok, "\(all)")
        }
    }

    @Test func gracefulShutdownFinishesInFlightRequestsAndClosesIdleOnes() throws {
        let server = HTTPServer(configuration: testConfiguration(), router: testRoutes(), logger: .init(label: "t") { _ in SwiftLogNoOpLogHandler() })
        let port = try server.start().port
        let idle = try TestClient(port: port)
        try idle.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try idle.readResponse()
        let busy = try TestClient(port: port)
        try busy.send("GET /slow?ms=400 HTTP/1.1\r\nHost: t\r\n\r\n")
        sleep(ms: 100)

        server.shutdown()
        // The idle connection is half-closed at once: its client reads EOF.
        var idleClosed = false
        let idleWaited = try milliseconds { idleClosed = try idle.readsEOF() }
        #expect(idleClosed)
        #expect(idleWaited < 300)
        // The request in flight completes, told that the connection closes.
        let r = try busy.readResponse()
        #expect(r.text == "slow" && r.headers["Connection"] == "close")
        #expect(try busy.readsEOF())
        #expect(milliseconds { server.wait() } < 1000)
        // Nothing listens any more.
        #expect(throws: TestClient.Failure.self) { _ = try TestClient(port: port) }
    }

    @Test func shutdownIsBoundedByTheGracePeriod() throws {
        var configuration = testConfiguration()
        configuration.shutdownGracePeriod = .milliseconds(300)
        let server = HTTPServer(configuration: configuration, router: testRoutes(), logger: .init(label: "t") { _ in SwiftLogNoOpLogHandler() })
        let port = try server.start().port
        let stuck = try TestClient(port: port)
        try stuck.send("GET /slow?ms=3000 HTTP/1.1\r\nHost: t\r\n\r\n")
        sleep(ms: 50)
        let took = milliseconds {
            server.shutdown()
            server.wait()
        }
        #expect(took < 1500, "shutdown took \(took) ms with a 300 ms grace period")
        #expect(try stuck.readsEOF())  // dropped without an answer
    }
}
