// Why a request could not be parsed, and the status code to answer it with.
// RFC 9112 §3 (request line), §5 (fields), §6 (body framing), §7.1 (chunked); RFC 9110 §15.

/// A request the parser refuses. Every case names the rule broken; `status` is the response the
/// server sends before closing the connection (RFC 9112 §6.3: after a framing error the
/// connection cannot be reused, so every one of these ends it).
public enum HTTPParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not `method SP request-target SP HTTP-version` (RFC 9112 §3).
    case invalidRequestLine
    /// The method is not a token (RFC 9110 §9.1).
    case invalidMethod
    /// The request-target has a forbidden byte or is in no known form (RFC 9112 §3.2).
    case invalidTarget
    /// The version is not `HTTP/DIGIT.DIGIT` (RFC 9112 §2.3).
    case invalidVersion
    /// A major version other than 1 (RFC 9110 §15.6.6: 505).
    case unsupportedVersion(major: Int)
    /// The request line and header section exceed the configured size (RFC 6585 §5: 431).
    case headTooLarge(limit: Int)
    /// More header lines than the configured count (431).
    case tooManyHeaders(limit: Int)
    /// A field name that is not a token, or whitespace before the colon (RFC 9112 §5.1).
    case invalidFieldName
    /// A field value with a control character (RFC 9110 §5.5).
    case invalidFieldValue
    /// A line beginning with whitespace: obsolete line folding (RFC 9112 §5.2).
    case obsoleteLineFolding
    /// A CR not followed by LF (RFC 9112 §2.2).
    case bareCarriageReturn
    /// HTTP/1.1 without a Host field, or with more than one (RFC 9112 §3.2).
    case invalidHost
    /// Content-Length is not a decimal number, or several different ones were given (RFC 9112 §6.3).
    case invalidContentLength
    /// Both Transfer-Encoding and Content-Length: a smuggling risk we refuse (RFC 9112 §6.3 ¶3).
    case contentLengthWithTransferEncoding
    /// Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1: faulty framing).
    case transferEncodingInHTTP10
    /// A transfer coding this server does not implement (RFC 9112 §6.1: 501).
    case unsupportedTransferCoding(String)
    /// `chunked` missing as the final coding, or applied twice (RFC 9112 §6.3 ¶4).
    case chunkedNotFinal
    /// A chunk-size line that is not hex, overflows, or is too long (RFC 9112 §7.1).
    case invalidChunkSize
    /// Chunk data not followed by CRLF (RFC 9112 §7.1).
    case invalidChunkTerminator
    /// The declared or received body exceeds the configured size (RFC 9110 §15.5.14: 413).
    case bodyTooLarge(limit: Int)
    /// An `Expect` other than `100-continue` (RFC 9110 §10.1.1: 417).
    case unsupportedExpectation

    /// The status code to answer with.
    public var status: HTTPStatus {
        switch self {
        case .headTooLarge, .tooManyHeaders: return .requestHeaderFieldsTooLarge
        case .bodyTooLarge: return .contentTooLarge
        case .unsupportedTransferCoding: return .notImplemented
        case .unsupportedVersion: return .httpVersionNotSupported
        case .unsupportedExpectation: return .expectationFailed
        default: return .badRequest
        }
    }

    public var description: String {
        switch self {
        case .invalidRequestLine: return "malformed request line"
        case .invalidMethod: return "the method is not a token"
        case .invalidTarget: return "malformed request target"
        case .invalidVersion: return "malformed HTTP version"
        case let .unsupportedVersion(major): return "HTTP major version \(major) is not supported"
        case let .headTooLarge(limit): return "request line and header fields exceed \(limit) bytes"
        case let .tooManyHeaders(limit): return "more than \(limit) header fields"
        case .invalidFieldName: return "malformed header field name"
        case .invalidFieldValue: return "control character in a header field value"
        case .obsoleteLineFolding: return "obsolete line folding is not accepted"
        case .bareCarriageReturn: return "CR without LF"
        case .invalidHost: return "an HTTP/1.1 request needs exactly one Host field"
        case .invalidContentLength: return "invalid Content-Length"
        case .contentLengthWithTransferEncoding: return "both Content-Length and Transfer-Encoding"
        case .transferEncodingInHTTP10: return "Transfer-Encoding in an HTTP/1.0 request"
        case let .unsupportedTransferCoding(coding): return "transfer coding \"\(coding)\" is not implemented"
        case .chunkedNotFinal: return "chunked must be the final transfer coding, applied once"
        case .invalidChunkSize: return "malformed chunk size"
        case .invalidChunkTerminator: return "chunk data not followed by CRLF"
        case let .bodyTooLarge(limit): return "the body exceeds \(limit) bytes"
        case .unsupportedExpectation: return "only Expect: 100-continue is supported"
        }
    }
}
