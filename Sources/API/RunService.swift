// Runs: a scenario in, a simulated and stored trace out. Everything the routes need that is not
// HTTP: reading a POST body as a scenario, bounding the run, storing it in one transaction, and
// re-running a stored scenario for the views the stored trace does not hold.
import JSONCore
import Store
import TCPSim
import TraceFormats

/// Bounds of one run started through the API (the command line has its own, larger ones).
public struct RunLimits: Sendable {
    /// Scheduler events, and trace events kept (the simulator's own bounds).
    public var simulation = SimulationLimits(maxEvents: 3_000_000, maxTraceEvents: 500_000)
    /// Wall time of one simulation, in seconds: a run that needs more is refused.
    public var wallSeconds: Double = 10
    /// Serialized trace size, in bytes.
    public var maxTraceBytes = 64 << 20

    public init() {}
}

/// Why a POST could not become a run: bad input (422 with every problem) or a run over its bounds.
public enum RunRefusal: Error, Sendable {
    case invalid([ScenarioError])
    case overBounds(String)
}

/// A scenario ready to run, and where it came from.
public struct RunRequest: Sendable {
    public var scenario: Scenario
    /// The catalogue id when the body named one.
    public var catalogueId: String?
}

public enum RunRequestParser {
    static let catalogueKeys: Set<String> = ["scenario", "params", "seed", "set"]

    /// A POST /api/runs body: either a full scenario (the scenario format), or
    /// `{"scenario": "<catalogue id>", "params": {...}, "seed": n, "set": ["host.sysctl=value"]}`.
    public static func parse(_ body: JSON) throws(RunRefusal) -> RunRequest {
        guard let object = body.objectValue else {
            throw .invalid([ScenarioError(path: "", message: "expected an object (a scenario, or {\"scenario\": \"<catalogue id>\"}), got \(body.kindName)")])
        }
        guard let id = body["scenario"]?.stringValue else {
            do { return RunRequest(scenario: try ScenarioParser.parse(body), catalogueId: nil) } catch { throw .invalid(error.errors) }
        }
        var errors: [ScenarioError] = []
        for (key, _) in object.sorted(by: { $0.0 < $1.0 }) where !catalogueKeys.contains(key) {
            errors.append(ScenarioError(path: key, message: "unknown field (a catalogue run takes scenario, params, seed, set)"))
        }
        guard let entry = Catalogue.entry(id) else {
            throw .invalid(errors + Catalogue.unknown(id).errors)
        }
        var params: [String: String] = [:]
        if let p = body["params"] {
            if let members = p.objectValue {
                for (name, value) in members {
                    switch value {
                    case let .string(s): params[name] = s
                    case let .int(i): params[name] = String(i)
                    case let .double(d): params[name] = String(d)
                    case let .bool(b): params[name] = b ? "1" : "0"
                    default: errors.append(ScenarioError(path: "params.\(name)", message: "expected a string or a number, got \(value.kindName)"))
                    }
                }
            } else {
                errors.append(ScenarioError(path: "params", message: "expected an object, got \(p.kindName)"))
            }
        }
        var seed: UInt64?
        if let s = body["seed"] {
            if let i = s.intValue, i >= 0 { seed = UInt64(i) } else { errors.append(ScenarioError(path: "seed", message: "expected a non-negative integer")) }
        }
        var sets: [String] = []
        if let s = body["set"] {
            if let items = s.arrayValue {
                for (i, item) in items.enumerated() {
                    if let text = item.stringValue { sets.append(text) } else { errors.append(ScenarioError(path: "set[\(i)]", message: "expected \"host.sysctl=value\"")) }
                }
            } else {
                errors.append(ScenarioError(path: "set", message: "expected an array of \"host.sysctl=value\""))
            }
        }
        var scenario: Scenario
        do {
            scenario = try entry.scenario(params: params)
        } catch {
            errors += error.errors
            throw .invalid(errors)
        }
        if !errors.isEmpty { throw .invalid(errors) }
        if !sets.isEmpty || seed != nil {
            do { scenario = try scenario.overriding(sysctls: sets, seed: seed) } catch { throw .invalid(error.errors) }
        }
        return RunRequest(scenario: scenario, catalogueId: entry.id)
    }
}

/// Runs a scenario within `limits`; a run that a bound stopped is refused, never stored half.
public enum BoundedRun {
    public static func run(_ scenario: Scenario, limits: RunLimits, snapshotsAt: [Instant] = []) throws(RunRefusal) -> Trace {
        let simulation = Simulation(scenario: scenario, limits: limits.simulation, snapshotsAt: snapshotsAt)
        let start = SystemClock.monotonic()
        let wall = limits.wallSeconds
        simulation.shouldStop = {
            SystemClock.monotonic() - start > wall ? "stopped after \(wall) s of wall time (the server's bound)" : nil
        }
        let trace = simulation.run()
        if let reason = trace.truncated {
            throw .overBounds("the run exceeded the server's bounds: \(reason). Shorten the scenario's duration, move fewer bytes, or run it with the command line (tcplab run).")
        }
        return trace
    }
}

/// A least-recently-used cache bounded in entries and in bytes (each value's `cost`). The API keeps
/// two: recent results by normalized scenario (the simulator is deterministic — the same scenario,
/// seed included, always gives the same trace — so a class that runs the same catalogue entry fifty
/// times simulates it once), and trace bytes by entity tag (content-addressed, so a tag always names
/// the same bytes).
struct BoundedCache<Value> {
    var maxEntries = 64
    var maxBytes = 64 << 20
    /// Larger values are not kept (they would push out many small ones).
    var maxEntryBytes = 4 << 20
    private var entries: [String: (value: Value, cost: Int, used: UInt64)] = [:]
    private var totalBytes = 0
    private var clock: UInt64 = 0

    mutating func get(_ key: String) -> Value? {
        clock += 1
        guard let e = entries[key] else { return nil }
        entries[key]!.used = clock
        return e.value
    }

    mutating func put(_ key: String, _ value: Value, cost: Int) {
        guard cost <= maxEntryBytes, entries[key] == nil else { return }
        clock += 1
        while !entries.isEmpty && (entries.count >= maxEntries || totalBytes + cost > maxBytes) {
            let oldest = entries.min { $0.value.used < $1.value.used }!
            totalBytes -= oldest.value.cost
            entries[oldest.key] = nil
        }
        entries[key] = (value, cost, clock)
        totalBytes += cost
    }

    mutating func remove(_ key: String) {
        if let e = entries.removeValue(forKey: key) { totalBytes -= e.cost }
    }

    var count: Int { entries.count }
    var byteCount: Int { totalBytes }
}

/// Runs' trace tags by run id, so a GET of a trace skips SQLite. A run's tag never changes; a delete
/// removes it and bumps `deletions`, and a tag read from the database is only kept if no delete
/// happened meanwhile (a GET racing a DELETE cannot put a deleted run back).
struct TagCache {
    var tags: BoundedCache<String> = {
        var c = BoundedCache<String>()
        c.maxEntries = 1024
        c.maxBytes = 1 << 20
        c.maxEntryBytes = 1024
        return c
    }()
    var deletions: UInt64 = 0
}

/// A simulated run as the results cache keeps it.
struct CachedResult {
    var bytes: [UInt8]
    var summaryJSON: String
}
