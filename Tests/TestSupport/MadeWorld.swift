import Foundation

/// scripts/make-world's world: libvirt's test driver loaded with domains whose
/// disks are real qemu-img images (healthy chains, libvirt's seed images, a
/// missing backing file, a loop, a corrupt bit ...). The one place that runs it.
public enum MadeWorld {
    /// Makes the world in `folder` (`world.xml` and `images/`, created if need
    /// be); returns its URI, `test://<folder>/world.xml`. For a test that changes
    /// the world's images.
    public static func make(in folder: URL) throws -> String {
        let result = try Command.run(Repository.file("scripts/make-world").path, [folder.path], timeout: .seconds(60))
        guard result.status == 0 else {
            throw HarnessError("scripts/make-world failed (\(result.status); is qemu-img installed? scripts/setup installs it): \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The world every test that only reads it shares: made once per test run, on first use.
    public static func shared() throws -> String { try sharedWorld.get() }

    private static let sharedWorld = Result<String, Error> {
        try make(in: try ScratchFolder.forTheRun().url)
    }
}
