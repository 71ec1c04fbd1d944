// libFuzzer target for the request parser. Compiled into the same module as the parser's
// sources (see run.sh), so it needs no import and sees internal API.
//
// Beyond "does not crash", each input checks properties the parser promises:
// - the outcome is a function of the byte stream alone: fed whole, or in pieces whose size the
//   input itself chooses, it yields the same events and the same error;
// - a Content-Length body has exactly that length; no body exceeds the limit;
// - every error answers with a status a server may send for it.

let fuzzLimits = RequestParser.Limits(maxHeadBytes: 2048, maxHeaderCount: 16, maxBodyBytes: 4096)

struct FuzzOutcome: Equatable {
    var events: [RequestParser.Event] = []
    var error: HTTPParseError?
}

/// Parses `bytes` fed in pieces of `chunk` bytes (the last may be shorter).
func fuzzParse(_ bytes: [UInt8], chunk: Int) -> FuzzOutcome {
    var parser = RequestParser(limits: fuzzLimits)
    var outcome = FuzzOutcome()
    var body: [UInt8] = []
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + chunk)
        parser.receive(bytes[start..<end])
        start = end
        while true {
            let event: RequestParser.Event
            do {
                event = try parser.nextEvent()
            } catch {
                if !body.isEmpty { outcome.events.append(.body(body)) }
                outcome.error = error
                return outcome
            }
            if event == .needData { break }
            if case let .body(piece) = event {
                precondition(!piece.isEmpty, "an empty body event")
                body += piece
                continue
            }
            if !body.isEmpty { outcome.events.append(.body(body)); body = [] }
            outcome.events.append(event)
        }
    }
    if !body.isEmpty { outcome.events.append(.body(body)) }
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = fuzzParse(bytes, chunk: max(1, bytes.count))
    let pieceSize = 1 + Int(bytes.last ?? 0) % 13
    let pieces = fuzzParse(bytes, chunk: pieceSize)
    precondition(whole == pieces, "fed whole and in pieces of \(pieceSize), the parser disagreed")

    var framing: BodyFraming?
    var bodyBytes = 0
    for event in whole.events {
        switch event {
        case let .head(head):
            framing = head.framing
            bodyBytes = 0
        case let .body(piece):
            bodyBytes += piece.count
            precondition(bodyBytes <= fuzzLimits.maxBodyBytes, "a body beyond the limit")
        case .end:
            if case let .contentLength(n)? = framing { precondition(bodyBytes == n, "a body of the wrong length") }
            framing = nil
        case .needData:
            preconditionFailure("needData is never collected")
        }
    }
    if let error = whole.error {
        precondition([400, 413, 417, 431, 501, 505].contains(error.status.code), "unexpected status for \(error)")
    }
    return 0
}
