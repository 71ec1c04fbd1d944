import Testing
@testable import Packetdrill
import TCPSim

@Suite struct ScriptParserTests {
    @Test func timingForms() throws {
        let s = try ScriptParser.parse("""
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +.1 close(3) = 0
        * close(3) = 0
        +0~+.04 close(3) = 0
        0.1~0.2 close(3) = 0
        +.01...0.011 close(3) = 0
        """)
        let t = s.events.map(\.time)
        #expect(t[0] == PDTime(kind: .absolute, start: 0))
        #expect(t[1] == PDTime(kind: .relative, start: 100_000))
        #expect(t[2] == PDTime(kind: .any, start: 0))
        #expect(t[3] == PDTime(kind: .relative, start: 0, end: 40_000))
        #expect(t[4] == PDTime(kind: .absolute, start: 100_000, end: 200_000))
        #expect(t[5] == PDTime(kind: .relative, start: 10_000, blockingEnd: 11_000))
    }
}
