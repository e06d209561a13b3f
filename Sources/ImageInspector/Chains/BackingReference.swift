import SystemPackage

/// What a backing file name refers to, decided from the string alone: nothing
/// is opened or resolved over the network to classify it.
public enum BackingReference: Sendable, Hashable, Codable {
    /// The image has no backing file.
    case none
    /// A local file: the name resolved against the directory of the image that
    /// names it (or an absolute path, or a `file:` / json `file` driver path).
    case localPath(String)
    /// A network (or otherwise non-file) source; never opened.
    /// `protocol` is qemu's driver name (nbd, http, rbd...).
    case network(description: String, protocol: String)
    /// A `json:{...}` specification that is not a plain local file: `driver` is
    /// its top-level driver, `protocol` the driver that does the I/O.
    case json(description: String, driver: String?, protocol: String)
    /// A name qemu could not open: a `json:` that does not parse, an unknown
    /// `protocol:` prefix.
    case invalid(description: String, reason: String)
    /// A relative file name qemu opens against its own working directory, not
    /// the naming image's folder: one after a `file:` prefix or inside a
    /// `json:` specification (qemu joins only plain names to the image's
    /// folder). libvirt starts QEMU in `/`, so that is where `opened` is;
    /// `besideImage` is the file a person reading the name would expect.
    case relativeToWorkingDirectory(description: String, opened: String, besideImage: String)

    /// The local path to follow, if the chain continues on this machine.
    public var localPath: String? {
        if case .localPath(let path) = self { return path }
        return nil
    }

    /// The file qemu opens for a name it does not join to the image's folder.
    public var openedPath: String? {
        if case .relativeToWorkingDirectory(_, let opened, _) = self { return opened }
        return nil
    }

    /// The string qemu-img reports as full-backing-filename.
    public var fullName: String? {
        switch self {
        case .none: nil
        case .localPath(let path): path
        case .network(let description, _), .json(let description, _, _), .invalid(let description, _),
             .relativeToWorkingDirectory(let description, _, _): description
        }
    }
}

/// Turns recorded backing names into ``BackingReference``s, following qemu's
/// rules: `json:` first, then a `protocol:` prefix (a colon before any slash),
/// else a file name.
public enum BackingNameClassifier {
    /// Drivers that read a local file or device: a name with one of these
    /// prefixes is still a local path.
    static let localProtocols: Set<String> = ["file", "host_device", "host_cdrom"]

    /// Protocols qemu accepts in `protocol:...` or `protocol://...` names
    /// (block drivers with a protocol_name), other than the local ones.
    public static let networkProtocols: Set<String> = [
        "nbd", "nbd+tcp", "nbd+unix", "nbds", "http", "https", "ftp", "ftps",
        "iscsi", "iser", "gluster", "gluster+tcp", "gluster+unix", "gluster+rdma",
        "ssh", "nfs", "rbd", "sheepdog", "sheepdog+tcp", "sheepdog+unix", "vxhs", "tftp",
        "nvme", "fat", "null-co", "null-aio", "blkdebug", "blkverify", "vitastor",
    ]

    /// Classifies `name` as recorded in the image at `imagePath`.
    ///
    /// Names are scanned as UTF-8 bytes, not `Character`s: the separators are
    /// ASCII, qemu compares bytes too, and grapheme breaking over every path
    /// was a sixth of the inspector's time.
    public static func classify(_ name: String?, imagePath: String) -> BackingReference {
        guard let name, !name.isEmpty else { return .none }
        // Names are decoded with replacement characters: one stands for bytes that are
        // not UTF-8, which qemu would open but libvirt cannot pass to it (its JSON).
        if name.unicodeScalars.contains("\u{FFFD}") {
            return .invalid(description: name, reason: "not valid UTF-8, which libvirt cannot pass to qemu")
        }
        if name.utf8.starts(with: "json:".utf8) {
            return BackingJSONSpec.classify(name, imagePath: imagePath)
        }
        if let scheme = protocolPrefix(of: name) {
            let lowered = scheme.lowercased()
            // qemu alone opens a `file:` name (a relative one against its working
            // directory), but libvirt refuses to start a domain on the chain.
            if lowered == "file" {
                return .invalid(description: name, reason: "libvirt refuses a 'file:' prefix (invalid backing protocol 'file'); record the plain name (qemu-img rebase -u)")
            }
            if localProtocols.contains(lowered) {
                let rest = String(Substring(name.utf8[name.utf8.index(after: scheme.endIndex)...]))
                return rest.isEmpty ? .invalid(description: name, reason: "empty \(lowered): path")
                    : opened(rest, as: name, imagePath: imagePath)
            }
            if networkProtocols.contains(lowered) {
                return .network(description: name, protocol: lowered)
            }
            return .invalid(description: name,
                            reason: "unknown protocol '\(scheme)' (prefix a file name containing ':' with './')")
        }
        return .localPath(resolve(name, against: imagePath))
    }

    /// Where qemu opens a file name it does not join to the image's folder (a
    /// `file:` name, a `json:` filename): absolute names as they are, relative
    /// ones against QEMU's working directory.
    static func opened(_ filename: String, as description: String, imagePath: String) -> BackingReference {
        if filename.utf8.first == slash { return .localPath(filename) }
        return .relativeToWorkingDirectory(description: description, opened: qemuWorkingDirectory + filename,
                                           besideImage: resolve(filename, against: imagePath))
    }

    /// The working directory libvirt starts QEMU in, with its final slash.
    public static let qemuWorkingDirectory = "/"

    /// The text before the first ':' if no '/' comes before it: qemu's rule for
    /// "this name has a protocol" (so `./a:b` and `/x/a:b` are files).
    static func protocolPrefix(of name: String) -> Substring? {
        let bytes = name.utf8
        guard let stop = bytes.firstIndex(where: { $0 == colon || $0 == slash }), bytes[stop] == colon else { return nil }
        return Substring(bytes[..<stop])
    }

    private static let colon = UInt8(ascii: ":")
    private static let slash = UInt8(ascii: "/")

    /// A relative name joined to the directory of the image that names it, as
    /// qemu's path_combine does (an image path without a directory leaves the
    /// name as is); absolute names stay as they are.
    public static func resolve(_ name: String, against imagePath: String) -> String {
        if name.utf8.first == slash { return name }
        let path = imagePath.utf8
        guard let last = path.lastIndex(of: slash) else { return name }
        return String(Substring(path[...last])) + name
    }
}
