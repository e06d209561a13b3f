import VirtModel

/// What the collector runs, one poll at a time, each on a thread that may be
/// abandoned: the libvirt `Poller`, or in tests a poll of the test's own making.
/// A value: the collector keeps the copy from before a poll, so an abandoned poll
/// changes nothing the next one starts from.
protocol PollSource: Sendable {
    /// A fresh snapshot; on failure the last good one, marked. `changed`: the UUIDs of
    /// domains events named since the last poll (nil: unknown, read every definition);
    /// `changedPools` the same for storage pools.
    /// `deadline`: how long a domain may leave libvirt unanswered before it is unresponsive.
    mutating func poll(changed: Set<String>?, changedPools: Set<String>?, deadline: Duration) -> Snapshot
    /// The next poll opens a fresh connection (the one a poll was abandoned on is left to it).
    mutating func dropConnection()
    mutating func close()
    /// Where libvirt's events go; set before the first poll.
    mutating func attach(_ sink: ChangeSink)
    /// Set before each poll: true once that poll has been abandoned, so that work
    /// whose result will be thrown away (inspecting images) is skipped.
    mutating func watch(abandoned: @escaping @Sendable () -> Bool)
    /// Polls failed in a row (0 after a success): paces reconnect attempts.
    var consecutiveFailures: Int { get }
    var rowIndexes: RowIndexRegistry { get }
}

extension PollSource {
    mutating func attach(_ sink: ChangeSink) {}
    mutating func watch(abandoned: @escaping @Sendable () -> Bool) {}
    var rowIndexes: RowIndexRegistry { RowIndexRegistry() }
}
