/// Hints to the operating system about memory the simulator is about to fill. TCPSim imports
/// nothing for them and computes nothing with them: the program hosting the simulator may install
/// an advisor (tcplab's command line asks Linux for transparent huge pages, `madvise`).
public enum MemoryAdvice {
    /// Called with a large buffer (start, bytes) that a run will write front to back, such as a bulk
    /// run's reserved trace: one page fault per 2 MiB instead of per 4 KiB saves about a tenth of a
    /// 100 MB lossy run on the development VM. Set it once, before simulations start.
    nonisolated(unsafe) public static var largeBufferReserved: (@Sendable (UnsafeMutableRawPointer, Int) -> Void)?

    static func adviseLargeBuffer<T>(_ array: inout [T]) {
        guard let advisor = largeBufferReserved else { return }
        let bytes = array.capacity * MemoryLayout<T>.stride
        array.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { advisor(UnsafeMutableRawPointer(base), bytes) }
        }
    }
}
