// A fixed set of threads taking jobs from a bounded queue, so that a slow or CPU-heavy handler
// occupies a worker and never the event loop.
import HTTPCore

/// Runs jobs on `threadCount` threads. The queue is bounded: when it is full `submit` refuses,
/// and the caller answers 503 at once instead of letting latency and memory grow without limit.
final class WorkerPool: @unchecked Sendable {
    // Sendable: all mutable state is guarded by `lock`.
    typealias Job = @Sendable () -> Void

    private let lock = ConditionLock()
    private var queue: [Job?] = []
    private var head = 0
    private let capacity: Int
    private var stopping = false
    /// Threads not yet exited.
    private var liveThreads = 0
    private var executing = 0

    init(threadCount: Int, queueCapacity: Int, name: String = "http-worker") {
        precondition(threadCount > 0 && queueCapacity > 0)
        capacity = queueCapacity
        liveThreads = threadCount
        for i in 0..<threadCount {
            startThread(name: "\(name)-\(i)") { [self] in work() }
        }
    }

    /// Jobs waiting for a thread.
    var queued: Int { lock.withLock { queue.count - head } }
    /// Jobs being executed right now.
    var busy: Int { lock.withLock { executing } }

    /// Queues a job; false if the queue is full or the pool is stopping.
    func submit(_ job: @escaping Job) -> Bool {
        lock.withLock {
            if stopping || queue.count - head >= capacity { return false }
            queue.append(job)
            lock.signal()
            return true
        }
    }

    private func work() {
        while let job = next() {
            job()
            lock.withLock { executing -= 1 }
        }
        lock.withLock {
            liveThreads -= 1
            lock.broadcast()
        }
    }

    private func next() -> Job? {
        lock.withLock {
            while head == queue.count && !stopping { lock.wait() }
            if head == queue.count { return nil }  // stopping, and nothing left to do
            let job = queue[head]
            queue[head] = nil
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 {
                queue.removeFirst(head)
                head = 0
            }
            executing += 1
            return job
        }
    }

    /// Stops taking jobs, lets queued and running ones finish, and waits for the threads to end
    /// until `deadline`. Returns false if some were still running then (a stuck handler): the
    /// process can still exit; the thread is simply abandoned.
    @discardableResult
    func stop(deadline: MonotonicTime) -> Bool {
        lock.withLock {
            stopping = true
            lock.broadcast()
            while liveThreads > 0 {
                if !lock.wait(until: deadline) { return liveThreads == 0 }
            }
            return true
        }
    }
}
