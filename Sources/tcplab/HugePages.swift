#if canImport(Glibc)
import Glibc
#endif
import TCPSim

/// Installs TCPSim's memory advisor: madvise(MADV_HUGEPAGE) over the 2 MiB-aligned part of a large
/// buffer a run will fill, so Linux backs it with transparent huge pages where THP is "always" or
/// "madvise" (one fault per 2 MiB instead of per 4 KiB page). It changes how fast pages arrive,
/// never what the simulation computes. Nothing elsewhere, or when THP is "never".
func installMemoryAdvice() {
    #if canImport(Glibc)
    MemoryAdvice.largeBufferReserved = { base, bytes in
        let huge = 2 << 20
        guard bytes >= 2 * huge else { return }
        let first = Int(bitPattern: base)
        let start = (first + huge - 1) & ~(huge - 1)
        let end = (first + bytes) & ~(huge - 1)
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, end - start, MADV_HUGEPAGE)
    }
    #endif
}
