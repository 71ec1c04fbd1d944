import Testing
@testable import HTTPCore

/// The three ways h11 feeds every test input: whole, one byte at a time, and whole followed by
/// the start of another request (which must not change what the first one parses to).
enum Feeding: CaseIterable, CustomStringConvertible {
    case whole, byteByByte, withTrailingBytes
    var description: String {
        switch self {
        case .whole: return "whole"
        case .byteByByte: return "byte by byte"
        case .withTrailingBytes: return "with trailing bytes"
        }
    }
}

/// What the parser said about an input: its events (consecutive body pieces merged, since
/// their sizes depend on the feeding) and the error it stopped with, if any.
struct ParseOutcome: Equatable, CustomStringConvertible {
    var events: [RequestParser.Event]
    var error: HTTPParseError?

    var description: String {
        events.map { event -> String in
            switch event {
            case let .head(h): return "head(\(h.method) \(h.target) \(h.version))"
            case let .body(b): return "body(\(String(decoding: b, as: UTF8.self).debugDescription))"
            case .end: return "end"
            case .needData: return "needData"
            }
        }.joined(separator: ", ") + (error.map { " error(\($0))" } ?? "")
    }
}

let trailingRequest = Array("GET /next HTTP/1.1\r\nHost: example\r\n".utf8)

func parse(_ input: [UInt8], _ feeding: Feeding, limits: RequestParser.Limits = .init()) -> ParseOutcome {
    var parser = RequestParser(limits: limits)
    var events: [RequestParser.Event] = []
    var body: [UInt8] = []  // body pieces, merged
    func pull() -> HTTPParseError? {
        while true {
            do {
                let event = try parser.nextEvent()
                if event == .needData { return nil }
                if case let .body(bytes) = event {
                    body += bytes
                    continue
                }
                if !body.isEmpty { events.append(.body(body)); body = [] }
                events.append(event)
            } catch {
                return error
            }
        }
    }
    func outcome(_ error: HTTPParseError?) -> ParseOutcome {
        if !body.isEmpty { events.append(.body(body)); body = [] }
        return ParseOutcome(events: events, error: error)
    }
    switch feeding {
    case .whole:
        parser.receive(input)
        return outcome(pull())
    case .withTrailingBytes:
        parser.receive(input + trailingRequest)
        return outcome(pull())
    case .byteByByte:
        for byte in input {
            parser.receive(CollectionOfOne(byte))
            if let error = pull() { return outcome(error) }
        }
        return outcome(nil)
    }
}

/// Feeds `raw` the three ways and expects the same events each time.
func expectEvents(
    _ raw: String, _ expected: [RequestParser.Event], limits: RequestParser.Limits = .init(),
    sourceLocation: SourceLocation = #_sourceLocation
) {
    for feeding in Feeding.allCases {
        let outcome = parse(Array(raw.utf8), feeding, limits: limits)
        #expect(outcome == ParseOutcome(events: expected, error: nil), "fed \(feeding)", sourceLocation: sourceLocation)
    }
}

/// Feeds `raw` whole and byte by byte (trailing bytes cannot matter after an error) and expects
/// `error`, after whatever events came first.
func expectError(
    _ raw: [UInt8], _ error: HTTPParseError, status: Int, limits: RequestParser.Limits = .init(),
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(error.status.code == status, "\(error) answers \(error.status.code)", sourceLocation: sourceLocation)
    for feeding in [Feeding.whole, .byteByByte] {
        let outcome = parse(raw, feeding, limits: limits)
        #expect(outcome.error == error, "fed \(feeding): \(outcome)", sourceLocation: sourceLocation)
    }
}

func expectError(
    _ raw: String, _ error: HTTPParseError, status: Int, limits: RequestParser.Limits = .init(),
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectError(Array(raw.utf8), error, status: status, limits: limits, sourceLocation: sourceLocation)
}

/// The head a parser produced for `raw` (fed whole), for tests about its fields.
func head(_ raw: String, sourceLocation: SourceLocation = #_sourceLocation) -> HTTPRequestHead? {
    var parser = RequestParser()
    parser.receive(Array(raw.utf8))
    guard case let .head(h)? = try? parser.nextEvent() else {
        Issue.record("no head parsed from \(raw.debugDescription)", sourceLocation: sourceLocation)
        return nil
    }
    return h
}

func headOf(_ method: HTTPMethod, _ target: String, _ headers: HTTPHeaders = ["Host": "x"], version: HTTPVersion = .http1_1, framing: BodyFraming = .none) -> HTTPRequestHead {
    HTTPRequestHead(method: method, target: target, version: version, headers: headers, framing: framing)
}

extension HTTPResponse {
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}
