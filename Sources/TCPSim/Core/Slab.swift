/// Values parked by index, freed slots reused: what waits (an event's payload, a segment in flight)
/// stays here, so the structures that refer to it hold a small index and never copy it.
struct Slab<Element> {
    private var items: [Element?] = []
    private var free: [Int] = []

    /// Parks a value; returns its slot.
    mutating func insert(_ value: consuming Element) -> Int {
        if let f = free.popLast() {
            items[f] = value
            return f
        }
        items.append(value)
        return items.count - 1
    }

    /// Moves the value out of its slot (not a copy) and frees the slot.
    mutating func take(_ slot: Int) -> Element {
        free.append(slot)
        return items[slot].take()!
    }
}
