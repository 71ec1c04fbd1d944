// Static files from a directory, or from bytes built into the binary. The path rules that need
// no file system live in HTTPCore's StaticPath; here is what does: openat2(2) with
// RESOLVE_BENEATH (or realpath(3) where the kernel lacks it) so that no symbolic link leads out
// of the root, then fstat and read.
#if canImport(Glibc)
import Glibc
import CLinux
#endif
import HTTPCore

/// Serves files with their media type, `ETag` / `Last-Modified` validators and
/// `Cache-Control: no-cache` (use, but revalidate: a 304 costs a few bytes, and an edited file
/// is never served stale). Compressible files are gzipped once and the result cached.
public final class StaticFiles: Sendable {
    enum Source {
        /// The root as realpath(3) resolved it, and a descriptor of it for openat2(2).
        case directory(root: String, fd: Int32)
        case embedded([String: [UInt8]])
    }

    let source: Source
    let compression: CompressionPolicy
    private let cache = Protected(FileCache())

    /// Files under `directory`; nil if it is not a directory.
    public convenience init?(directory: String, compression: CompressionPolicy = .init()) {
        self.init(directory: directory, compression: compression, kernelConfinement: true)
    }

    /// `kernelConfinement: false` forces the realpath(3) fallback (for its tests).
    init?(directory: String, compression: CompressionPolicy, kernelConfinement: Bool) {
        guard let root = Self.realPath(directory) else { return nil }
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        source = .directory(root: root, fd: fd)
        self.compression = compression
        // Linux < 5.6, or a seccomp filter that refuses the call: fall back to realpath(3).
        let probe = kernelConfinement ? CLinux_openat2_beneath(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1
        useOpenat2 = probe >= 0
        if probe >= 0 { Sys.close(probe) }
    }

    deinit {
        if case let .directory(_, fd) = source { Sys.close(fd) }
    }

    /// Whether the kernel confines lookups to the root (openat2 with RESOLVE_BENEATH).
    let useOpenat2: Bool

    /// Files compiled into the program, by relative path (`"index.html"`).
    public init(embedded files: [String: [UInt8]], compression: CompressionPolicy = .init()) {
        source = .embedded(files)
        self.compression = compression
        useOpenat2 = false
    }

    /// Where the files come from, for the log.
    public var origin: String {
        switch source {
        case let .directory(root, _): return root
        case let .embedded(files): return "\(files.count) file(s) built into the binary"
        }
    }

    /// Mounts the files at `/`: `GET /*path` (and so HEAD). More specific routes win.
    public func install(on router: inout Router) {
        router.get("/*path") { [self] request in respond(to: request, path: request.parameters["path"] ?? "") }
    }

    /// The response for `path`, relative to the root and still percent-encoded.
    public func respond(to request: HTTPRequest, path: String) -> HTTPResponse {
        guard case let .success(segments) = StaticPath.segments(path) else { return notFound(request) }
        var relative = segments
        if relative.last == "" { relative[relative.count - 1] = "index.html" }
        let name = relative.joined(separator: "/")

        let file: CachedFile
        switch source {
        case let .embedded(files):
            guard let bytes = files[name] else { return notFound(request) }
            file = cache.withLock { $0.embedded(name, bytes) }
        case let .directory(root, fd):
            switch load(root: root, rootFD: fd, relative: name) {
            case let .file(f): file = f
            case .directory:
                // RFC 9110 §15.4.2: send the client to the directory's URL, so that relative links
                // in its index.html resolve under it.
                var response = HTTPResponse(status: .movedPermanently)
                response.headers["Location"] = request.path + "/"
                return response
            case .missing:
                return notFound(request)
            }
        }
        return response(for: file, request: request)
    }

    private func notFound(_ request: HTTPRequest) -> HTTPResponse {
        .problem(.notFound, detail: "no file at \(request.path)")
    }

    private func response(for file: CachedFile, request: HTTPRequest) -> HTTPResponse {
        var headers: HTTPHeaders = [
            "Content-Type": file.contentType,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        ]
        if let modified = file.lastModified { headers["Last-Modified"] = modified }
        let compressible = compression.enabled && ResponseEncoder.isCompressible(contentType: file.contentType)
        if compressible { headers["Vary"] = "Accept-Encoding" }
        if compressible && file.bytes.count >= compression.minimumBytes && ResponseEncoder.acceptsGzip(request.headers),
            let gzipped = gzipped(file)
        {
            headers["Content-Encoding"] = "gzip"
            headers["ETag"] = ETag.variant(file.etag, suffix: "gzip")
            return HTTPResponse(status: .ok, headers: headers, body: gzipped)
        }
        headers["ETag"] = file.etag
        return HTTPResponse(status: .ok, headers: headers, body: file.bytes)
    }

    /// The gzip form of `file`, compressed once per version of the file (outside the cache's
    /// lock: two workers may race to compress the same file, which only wastes a little CPU).
    private func gzipped(_ file: CachedFile) -> [UInt8]? {
        if let known = cache.withLock({ $0.gzipped(file) }) { return known }
        let compressed = Gzip.compress(file.bytes, level: compression.level).flatMap { $0.count < file.bytes.count ? $0 : nil }
        cache.withLock { $0.storeGzipped(compressed, for: file) }
        return compressed
    }

    // MARK: The file system

    enum Lookup {
        case file(CachedFile)
        case directory
        case missing
    }

    /// Opens and reads a file under the root, refusing anything that resolves outside it.
    func load(root: String, rootFD: Int32, relative: String) -> Lookup {
        let fd: Int32
        if useOpenat2 {
            // One system call, and the kernel itself forbids leaving the root: a symbolic link
            // pointing out, wherever it sits in the path, fails with EXDEV.
            fd = CLinux_openat2_beneath(rootFD, relative, O_RDONLY | O_CLOEXEC)
        } else {
            // realpath(3) resolves every symbolic link; a result outside the root is refused.
            // O_NOFOLLOW then refuses a last component swapped for a link since.
            guard let real = Self.realPath(root + "/" + relative), real == root || real.hasPrefix(root + "/") else {
                return .missing
            }
            fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        }
        guard fd >= 0 else { return .missing }
        defer { Sys.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .missing }
        if info.st_mode & S_IFMT == S_IFDIR { return relative.hasSuffix("index.html") ? .missing : .directory }
        guard info.st_mode & S_IFMT == S_IFREG, info.st_size <= Self.maxFileBytes else { return .missing }

        let identity = FileIdentity(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        )
        // Keyed by the file itself (device and inode), whatever name reached it.
        let key = "\(identity.device):\(identity.inode)"
        if let cached = cache.withLock({ $0.file(key, identity) }) { return .file(cached) }

        guard let bytes = Self.readAll(fd, size: Int(info.st_size)) else { return .missing }
        let file = CachedFile(
            key: key, bytes: bytes, contentType: MIMEType.forPath(relative),
            // Like nginx: a strong tag from modification time and size, which needs no hashing.
            etag: "\"\(String(identity.modifiedNanoseconds, radix: 16))-\(String(identity.size, radix: 16))\"",
            lastModified: HTTPDate.format(unixSeconds: Int64(info.st_mtim.tv_sec)), identity: identity
        )
        cache.withLock { $0.store(file) }
        return .file(file)
    }

    /// Larger files are not served (they would be read whole into memory).
    static let maxFileBytes = 64 << 20

    static func readAll(_ fd: Int32, size: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        let ok = bytes.withUnsafeMutableBytes { buffer -> Bool in
            while offset < size {
                let n = read(fd, buffer.baseAddress! + offset, size - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }  // an error, or the file shrank under us
                offset += n
            }
            return true
        }
        return ok ? bytes : nil
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// What identifies a version of a file: if any of these change, the cached copy is stale.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedNanoseconds: Int64
}

struct CachedFile {
    /// `device:inode`, or `embedded:name`.
    var key: String
    var bytes: [UInt8]
    var contentType: String
    var etag: String
    var lastModified: String? = nil
    var identity: FileIdentity? = nil
    /// nil: not computed yet; .some(nil): gzip does not make this file smaller.
    var gzipped: [UInt8]?? = nil
}

/// File contents by device and inode, bounded in bytes; checked against the file's identity on every
/// request, so an edited file is reread at once.
struct FileCache {
    private var files: [String: CachedFile] = [:]
    private var bytes = 0
    static let maxBytes = 32 << 20
    static let maxFileBytes = 1 << 20

    func file(_ key: String, _ identity: FileIdentity) -> CachedFile? {
        guard let f = files[key], f.identity == identity else { return nil }
        return f
    }

    mutating func embedded(_ name: String, _ content: [UInt8]) -> CachedFile {
        if let f = files["embedded:" + name] { return f }
        let f = CachedFile(key: "embedded:" + name, bytes: content, contentType: MIMEType.forPath(name), etag: ETag.strong(for: content))
        store(f)
        return f
    }

    mutating func store(_ file: CachedFile) {
        guard file.bytes.count <= Self.maxFileBytes else { return }
        if let old = files.removeValue(forKey: file.key) { bytes -= old.bytes.count }
        // Simple and bounded: when full, start over (the working set of a small site refills it).
        if bytes + file.bytes.count > Self.maxBytes {
            files.removeAll()
            bytes = 0
        }
        files[file.key] = file
        bytes += file.bytes.count
    }

    /// The cached gzip form of this version of the file: nil if unknown, .some(nil) if gzip
    /// does not help.
    func gzipped(_ file: CachedFile) -> [UInt8]?? {
        guard let cached = files[file.key], cached.etag == file.etag else { return nil }
        return cached.gzipped
    }

    mutating func storeGzipped(_ compressed: [UInt8]?, for file: CachedFile) {
        guard files[file.key]?.etag == file.etag else { return }
        files[file.key]?.gzipped = .some(compressed)
    }
}
