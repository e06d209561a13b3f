#if canImport(Glibc)
import Glibc
#endif

/// A detached POSIX thread running one closure: what Foundation's Thread does,
/// without Foundation, which the lean `virt-agentx` launcher does not link.
package enum DetachedThread {
    package static func start(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        // Only exhausted resources (EAGAIN) fail here; nothing could run the work.
        precondition(status == 0, "pthread_create failed with \(status)")
    }

    private final class Body: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
