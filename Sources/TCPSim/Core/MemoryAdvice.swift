#if canImport(Glibc)
import Glibc
#endif

/// Hints to the operating system about memory the simulator is about to fill. They change how
/// fast pages arrive, never what the simulation computes (the core stays deterministic).
enum MemoryAdvice {
    /// Asks Linux for transparent huge pages (madvise(MADV_HUGEPAGE)) over the 2 MiB-aligned part of
    /// a large buffer that will be written front to back, such as a bulk run's reserved trace:
    /// one fault per 2 MiB instead of one per 4 KiB page (about a tenth of a 100 MB lossy run's
    /// time went to page faults). Does nothing where THP is "never", or off Linux.
    static func preferHugePages<T>(_ array: inout [T]) {
        #if os(Linux)
        let bytes = array.capacity * MemoryLayout<T>.stride
        let huge = 2 << 20
        guard bytes >= 2 * huge else { return }
        array.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let first = Int(bitPattern: base)
            let start = (first + huge - 1) & ~(huge - 1)
            let end = (first + bytes) & ~(huge - 1)
            guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
            _ = madvise(p, end - start, MADV_HUGEPAGE)
        }
        #endif
    }
}
