// From a request path to a file under a root, refusing every way out of the root that can be
// seen without the file system: `..`, its encodings, NUL, backslashes, hidden files.

/// Why a path is refused. All of them are answered 404: the answer must not tell an attacker
/// which files exist outside the root.
public enum StaticPathError: Error, Hashable, Sendable {
    /// A `%` escape that is not two hex digits, or bytes that are not UTF-8 once decoded.
    case invalidEncoding
    /// `.` or `..`, however spelled (`%2e%2E`): dot-segments (RFC 3986 §3.3) are not resolved
    /// but refused, so that no normalisation bug can climb out of the root.
    case dotSegment
    /// A NUL byte (`%00`), which C file APIs would read as the end of the path.
    case nulByte
    /// A `/` or `\` inside a segment (`%2F`, `%5C`): a separator in disguise.
    case separatorInSegment
    /// A name starting with `.` (`.git`, `.env`): never served.
    case hiddenFile
    /// A control character.
    case controlCharacter
}

public enum StaticPath {
    /// The percent-decoded segments of a request path under the root, in order. The empty path
    /// and a path ending in `/` name a directory: the last segment is then `""`.
    ///
    /// Symbolic links cannot be judged here; the file server checks the resolved path.
    public static func segments(_ rawPath: Substring) -> Result<[String], StaticPathError> {
        var path = rawPath
        while path.first == "/" { path = path.dropFirst() }
        var result: [String] = []
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if part.isEmpty {
                if index == parts.count - 1 { result.append("") }  // a trailing slash: a directory
                continue  // "a//b" is "a/b"
            }
            guard let name = PercentDecoding.decode(part) else { return .failure(.invalidEncoding) }
            if name == "." || name == ".." { return .failure(.dotSegment) }
            for scalar in name.unicodeScalars {
                if scalar == "\0" { return .failure(.nulByte) }
                if scalar == "/" || scalar == "\\" { return .failure(.separatorInSegment) }
                if scalar.value < 0x20 || scalar.value == 0x7F { return .failure(.controlCharacter) }
            }
            if name.hasPrefix(".") { return .failure(.hiddenFile) }
            result.append(name)
        }
        if result.isEmpty { result = [""] }
        return .success(result)
    }

    public static func segments(_ rawPath: String) -> Result<[String], StaticPathError> {
        segments(Substring(rawPath))
    }
}

/// Media types by file extension (RFC 6838 registrations; text types say their charset).
public enum MIMEType {
    public static func forPath(_ path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "application/octet-stream" }
        return forExtension(String(path[path.index(after: dot)...]))
    }

    public static func forExtension(_ ext: String) -> String {
        switch ext.lowercased() {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"  // RFC 9239
        case "json", "map": return "application/json"
        case "txt", "md": return "text/plain; charset=utf-8"
        case "csv": return "text/csv; charset=utf-8"
        case "xml": return "application/xml"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "ico": return "image/vnd.microsoft.icon"
        case "woff": return "font/woff"
        case "woff2": return "font/woff2"
        case "wasm": return "application/wasm"
        case "pdf": return "application/pdf"
        case "pcap": return "application/vnd.tcpdump.pcap"
        default: return "application/octet-stream"
        }
    }
}
