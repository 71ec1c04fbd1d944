import Testing
@testable import HTTPCore

/// The connection lifecycle driven from the I/O layer's side with a made-up clock: every input
/// at an instant, every action checked.
@Suite struct ConnectionStateMachineTests {
    let config = ConnectionConfiguration(
        headerReadTimeout: .seconds(10), bodyReadTimeout: .seconds(30), writeTimeout: .seconds(20),
        idleTimeout: .seconds(60), lingerTimeout: .seconds(2), maxLingerBytes: 100
    )

    func at(_ ms: Int64) -> ClockReading { ClockReading(monotonic: .milliseconds(ms), httpDate: "Thu, 01 Jan 1970 00:00:00 GMT") }

    /// A connection accepted at 0 ms.
    func accepted() -> ConnectionStateMachine { ConnectionStateMachine(configuration: config, acceptedAt: .milliseconds(0)) }

    /// A connection that has answered one request and is idle since `ms`.
    func idle(since ms: Int64 = 10) -> ConnectionStateMachine {
        var m = accepted()
        _ = m.bytesReceived(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), at: at(1))
        _ = m.responseReady(.text("hi"), at: at(2))
        _ = m.outputFlushed(at: at(ms))
        return m
    }

    func sent(_ action: ConnectionStateMachine.Action, sourceLocation: SourceLocation = #_sourceLocation) -> (head: String, body: String)? {
        guard case let .send(out) = action else {
            Issue.record("expected .send, got \(action)", sourceLocation: sourceLocation)
            return nil
        }
        return (String(decoding: out.head, as: UTF8.self), String(decoding: out.body, as: UTF8.self))
    }

    func handled(_ action: ConnectionStateMachine.Action, sourceLocation: SourceLocation = #_sourceLocation) -> HTTPRequest? {
        guard case let .handle(request) = action else {
            Issue.record("expected .handle, got \(action)", sourceLocation: sourceLocation)
            return nil
        }
        return request
    }

    @Test func newConnectionHasTheHeaderTimeoutFromAccept() {
        let m = accepted()
        #expect(m.state == .new)
        #expect(m.deadline == .milliseconds(10_000))
        #expect(m.wantsToRead)
    }

    @Test func completeRequestIsHandedToTheHandlerWithoutDeadline() throws {
        var m = accepted()
        let request = try #require(handled(m.bytesReceived(Array("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi".utf8), at: at(5))))
        #expect(request.method == .post && request.body == Array("hi".utf8))
        #expect(m.state == .active)
        #expect(m.deadline == nil)
        #expect(!m.wantsToRead)  // pipelined input waits in the kernel
    }

    @Test func responseKeepsTheConnectionAliveThenIdleTimeoutApplies() throws {
        var m = accepted()
        _ = m.bytesReceived(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), at: at(1))
        let out = try #require(sent(m.responseReady(.text("hi"), at: at(2))))
        #expect(out.head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(out.head.contains("Content-Length: 2\r\n") && !out.head.contains("Connection"))
        #expect(out.body == "hi")
        #expect(m.deadline == .milliseconds(2 + 20_000))  // write timeout while writing
        #expect(m.outputFlushed(at: at(3)) == .none)
        #expect(m.state == .idle)
        #expect(m.deadline == .milliseconds(3 + 60_000))
        #expect(m.requestsServed == 1)
    }

    @Test func idleConnectionStartsAFreshHeaderTimeoutAtItsNextByte() {
        var m = idle(since: 10)
        #expect(m.bytesReceived(Array("GE".utf8), at: at(500)) == .none)
        #expect(m.state == .active)
        #expect(m.deadline == .milliseconds(500 + 10_000))
    }

    @Test func connectionCloseIsAnsweredThenHalfClosedAndDrained() throws {
        var m = accepted()
        _ = m.bytesReceived(Array("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), at: at(1))
        let out = try #require(sent(m.responseReady(.text("bye"), at: at(2))))
        #expect(out.head.contains("Connection: close\r\n"))
        #expect(m.outputFlushed(at: at(3)) == .shutdownWrite)
        #expect(m.state == .closing)
        #expect(m.wantsToRead)
        #expect(m.deadline == .milliseconds(3 + 2000))
        #expect(m.bytesReceived(Array("late bytes".utf8), at: at(4)) == .none)  // discarded
        #expect(m.peerClosed(at: at(5)) == .close)
        #expect(m.state == .closed)
    }

    @Test func drainingGivesUpAfterTheLingerTimeoutOrTooManyBytes() {
        var m = idle()
        #expect(m.shutdownRequested(at: at(20)) == .shutdownWrite)
        #expect(m.deadlinePassed(at: at(20 + 1999)) == .none)
        #expect(m.deadlinePassed(at: at(20 + 2000)) == .close)

        var n = idle()
        _ = n.shutdownRequested(at: at(20))
        #expect(n.bytesReceived([UInt8](repeating: 0, count: 100), at: at(21)) == .none)
        #expect(n.bytesReceived([0], at: at(22)) == .close)
    }

    @Test func http10WithoutKeepAliveCloses() throws {
        var m = accepted()
        _ = m.bytesReceived(Array("GET / HTTP/1.0\r\n\r\n".utf8), at: at(1))
        #expect(try #require(sent(m.responseReady(.text("x"), at: at(2)))).head.contains("Connection: close"))
        #expect(m.outputFlushed(at: at(3)) == .shutdownWrite)
    }

    @Test func http10WithKeepAliveStaysOpenAndSaysSo() throws {
        var m = accepted()
        _ = m.bytesReceived(Array("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".utf8), at: at(1))
        #expect(try #require(sent(m.responseReady(.text("x"), at: at(2)))).head.contains("Connection: keep-alive"))
        #expect(m.outputFlushed(at: at(3)) == .none)
        #expect(m.state == .idle)
    }

    @Test func pipelinedRequestsAreAnsweredOneAfterAnother() throws {
        var m = accepted()
        let two = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
        #expect(try #require(handled(m.bytesReceived(Array(two.utf8), at: at(1)))).path == "/1")
        _ = m.responseReady(.text("one"), at: at(2))
        #expect(try #require(handled(m.outputFlushed(at: at(3)))).path == "/2")
        _ = m.responseReady(.text("two"), at: at(4))
        #expect(m.outputFlushed(at: at(5)) == .none)
        #expect(m.state == .idle && m.requestsServed == 2)
    }

    @Test func headerTimeoutIsAnswered408AndClosed() throws {
        var m = accepted()
        _ = m.bytesReceived(Array("GET / HTTP/1.1\r\nHo".utf8), at: at(1))
        #expect(m.deadlinePassed(at: at(9_999)) == .none)
        let out = try #require(sent(m.deadlinePassed(at: at(10_000))))
        #expect(out.head.hasPrefix("HTTP/1.1 408 Request Timeout\r\n") && out.head.contains("Connection: close"))
        #expect(m.outputFlushed(at: at(10_001)) == .shutdownWrite)
    }

    @Test func bodyTimeoutIsAnswered408() throws {
        var m = accepted()
        _ = m.bytesReceived(Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab".utf8), at: at(100))
        #expect(m.deadline == .milliseconds(100 + 30_000))
        #expect(try #require(sent(m.deadlinePassed(at: at(30_100)))).head.hasPrefix("HTTP/1.1 408"))
    }

    @Test func idleTimeoutClosesWithoutAnswering() {
        var m = idle(since: 10)
        #expect(m.deadlinePassed(at: at(60_010)) == .shutdownWrite)
        #expect(m.state == .closing)
    }

    @Test func newConnectionThatNeverSpeaksIsClosedSilently() {
        var m = accepted()
        #expect(m.deadlinePassed(at: at(10_000)) == .shutdownWrite)
    }

    @Test func writeTimeoutDropsTheConnection() {
        var m = accepted()
        _ = m.bytesReceived(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), at: at(1))
        _ = m.responseReady(.text("x"), at: at(2))
        #expect(m.deadlinePassed(at: at(20_002)) == .close)
        #expect(m.state == .closed)
    }

    @Test func malformedRequestIsAnswered400WithConnectionClose() throws {
        var m = accepted()
        let out = try #require(sent(m.bytesReceived(Array("GET / HTTP/1.1\r\n\r\n".utf8), at: at(1))))
        #expect(out.head.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(out.head.contains("Connection: close") && out.head.contains("application/problem+json"))
        #expect(out.body.contains("Host"))
        #expect(m.outputFlushed(at: at(2)) == .shutdownWrite)
    }

    @Test func oversizedBodyIsAnswered413BeforeReadingIt() throws {
        var m = ConnectionStateMachine(configuration: ConnectionConfiguration(limits: .init(maxBodyBytes: 10)), acceptedAt: .milliseconds(0))
        let out = try #require(sent(m.bytesReceived(Array("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n".utf8), at: at(1))))
        #expect(out.head.hasPrefix("HTTP/1.1 413 Content Too Large\r\n"))
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() throws {
        var m = accepted()
        let interim = try #require(sent(m.bytesReceived(Array("PUT /f HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8), at: at(1))))
        #expect(interim.head == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(m.outputFlushed(at: at(2)) == .none)
        #expect(m.wantsToRead)
        #expect(try #require(handled(m.bytesReceived(Array("abc".utf8), at: at(3)))).body == Array("abc".utf8))
    }

    @Test func expectContinueIsSkippedWhenTheBodyIsAlreadyHere() throws {
        var m = accepted()
        let raw = "PUT /f HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"
        #expect(try #require(handled(m.bytesReceived(Array(raw.utf8), at: at(1)))).body == Array("abc".utf8))
    }

    @Test func shutdownLetsTheActiveRequestFinishWithConnectionClose() throws {
        var m = accepted()
        _ = m.bytesReceived(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), at: at(1))
        #expect(m.shutdownRequested(at: at(2)) == .none)
        #expect(try #require(sent(m.responseReady(.text("x"), at: at(3)))).head.contains("Connection: close"))
        #expect(m.outputFlushed(at: at(4)) == .shutdownWrite)
    }

    @Test func halfClosedClientStillGetsItsAnswer() throws {
        var m = accepted()
        _ = m.bytesReceived(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), at: at(1))
        #expect(m.peerClosed(at: at(2)) == .none)
        #expect(try #require(sent(m.responseReady(.text("x"), at: at(3)))).head.contains("Connection: close"))
        #expect(m.outputFlushed(at: at(4)) == .close)  // its FIN already came: nothing to drain
    }

    @Test func peerClosingMidRequestCloses() {
        var m = accepted()
        _ = m.bytesReceived(Array("GET / HT".utf8), at: at(1))
        #expect(m.peerClosed(at: at(2)) == .close)
    }

    @Test func headResponseHasLengthButNoBody() throws {
        var m = accepted()
        _ = m.bytesReceived(Array("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), at: at(1))
        let out = try #require(sent(m.responseReady(.text("twelve bytes"), at: at(2))))
        #expect(out.head.contains("Content-Length: 12\r\n"))
        #expect(out.body.isEmpty)
    }

    @Test func notModifiedAndNoContentHaveNoLength() throws {
        var m = accepted()
        _ = m.bytesReceived(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), at: at(1))
        let out = try #require(sent(m.responseReady(HTTPResponse(status: .noContent), at: at(2))))
        #expect(!out.head.contains("Content-Length"))  // RFC 9110 §8.6
    }

    @Test func lateResponseForAClosedConnectionIsIgnored() {
        var m = accepted()
        _ = m.bytesReceived(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), at: at(1))
        m.connectionFailed()
        #expect(m.responseReady(.text("late"), at: at(2)) == .none)
    }

    @Test func exchangeRecordsWhatTheAccessLogNeeds() throws {
        var m = accepted()
        _ = m.bytesReceived(Array("GET /runs?x=1 HTTP/1.1\r\nHost: x\r\n\r\n".utf8), at: at(7))
        guard case let .send(out) = m.responseReady(.text("abc"), at: at(9)) else { Issue.record("no send"); return }
        let exchange = try #require(out.exchange)
        #expect(exchange.method == "GET" && exchange.target == "/runs?x=1")
        #expect(exchange.status == .ok && exchange.bodyBytes == 3)
        #expect(exchange.startedAt == .milliseconds(7))
    }
}
