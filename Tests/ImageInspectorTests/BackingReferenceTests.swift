import Testing
@testable import ImageInspector

@Suite("Backing name classification")
struct BackingReferenceTests {
    func classify(_ name: String, image: String = "/images/top.qcow2") -> BackingReference {
        BackingNameClassifier.classify(name, imagePath: image)
    }

    @Test func relativeNamesResolveAgainstTheNamingImagesDirectory() {
        #expect(classify("base.qcow2") == .localPath("/images/base.qcow2"))
        #expect(classify("../other/base.qcow2") == .localPath("/images/../other/base.qcow2"))
        #expect(classify("base.qcow2", image: "top.qcow2") == .localPath("base.qcow2"))
        #expect(classify("base.qcow2", image: "/top.qcow2") == .localPath("/base.qcow2"))
    }

    @Test func absoluteNamesStay() {
        #expect(classify("/var/lib/libvirt/images/base.img") == .localPath("/var/lib/libvirt/images/base.img"))
    }

    @Test func emptyMeansNoBacking() {
        #expect(classify("") == .none)
        #expect(BackingNameClassifier.classify(nil, imagePath: "/x") == .none)
    }

    @Test(arguments: [
        ("nbd://example.org:6000/blah", "nbd"),
        ("nbd+tcp://example.org:6000/blah", "nbd+tcp"),
        ("nbd+unix:///export?socket=/run/nbd.sock", "nbd+unix"),
        ("http://example.org/base.img", "http"),
        ("https://example.org/base.img", "https"),
        ("ftp://example.org/base.img", "ftp"),
        ("ftps://example.org/base.img", "ftps"),
        ("iscsi://10.0.0.1/iqn.2004-01.org:target/1", "iscsi"),
        ("gluster://server/volume/image", "gluster"),
        ("gluster+unix:///volume/image?socket=/run/g.sock", "gluster+unix"),
        ("ssh://user@host/images/base.qcow2", "ssh"),
        ("nfs://server/export/base.qcow2", "nfs"),
        ("rbd:pool/image", "rbd"),
        ("rbd:pool/image:id=admin:conf=/etc/ceph/ceph.conf", "rbd"),
        ("nbd:example.org:10809", "nbd"),
        ("nbd:unix:/run/nbd.sock:exportname=a", "nbd"),
        ("sheepdog:volume", "sheepdog"),
        ("NBD://Example.org/x", "nbd"),
    ])
    func networkSourcesAreRecognisedWithoutOpening(name: String, proto: String) {
        #expect(classify(name) == .network(description: name, protocol: proto))
    }

    /// qemu alone opens a `file:` name (a relative one against its working directory),
    /// but libvirt refuses it: "invalid backing protocol 'file'" (the differential run's
    /// libvirt oracle, both forms).
    @Test func aFileProtocolPrefixIsRefusedAsLibvirtRefusesIt() {
        for name in ["file:base.raw", "file:/abs/base.raw"] {
            guard case .invalid(let description, let reason) = classify(name) else {
                Issue.record("\(name): \(classify(name))")
                continue
            }
            #expect(description == name && reason.contains("invalid backing protocol 'file'"))
        }
    }

    @Test func aColonAfterASlashIsPartOfAFileName() {
        #expect(classify("./snap:1.qcow2") == .localPath("/images/./snap:1.qcow2"))
        #expect(classify("/d/a:b") == .localPath("/d/a:b"))
    }

    @Test func unknownProtocolPrefixIsInvalidAsInQemu() {
        guard case .invalid(let description, let reason) = classify("snap:1.qcow2") else {
            Issue.record("expected invalid")
            return
        }
        #expect(description == "snap:1.qcow2")
        #expect(reason.contains("unknown protocol 'snap'"))
    }

    @Test func jsonWithFileDriverIsFollowedLocally() {
        #expect(classify(#"json:{"driver":"file","filename":"/srv/base.raw"}"#) == .localPath("/srv/base.raw"))
        let relative = #"json:{"driver":"qcow2","file":{"driver":"file","filename":"base.qcow2"}}"#
        #expect(classify(relative) == .relativeToWorkingDirectory(
            description: relative, opened: "/base.qcow2", besideImage: "/images/base.qcow2"))
        #expect(classify(#"json:{"file.driver":"file","file.filename":"/srv/b.img","driver":"raw"}"#)
            == .localPath("/srv/b.img"))
        #expect(classify(#"json:{"driver":"host_device","filename":"/dev/vg/lv"}"#) == .localPath("/dev/vg/lv"))
    }

    @Test func jsonWithNetworkDriverReportsItsDrivers() {
        let nbd = #"json:{"driver":"qcow2","file":{"driver":"nbd","server":{"type":"inet","host":"h","port":"10809"}}}"#
        #expect(classify(nbd) == .json(description: nbd, driver: "qcow2", protocol: "nbd"))
        let dotted = #"json:{"driver":"raw","file.driver":"rbd","file.pool":"p","file.image":"i"}"#
        #expect(classify(dotted) == .json(description: dotted, driver: "raw", protocol: "rbd"))
        let http = #"json:{"driver":"http","url":"http://x/y"}"#
        #expect(classify(http) == .json(description: http, driver: "http", protocol: "http"))
    }

    @Test func brokenJSONIsInvalid() {
        guard case .invalid = classify("json:{not json") else {
            Issue.record("expected invalid")
            return
        }
        guard case .invalid = classify("json:[1,2]") else {
            Issue.record("expected invalid")
            return
        }
    }
}

@Suite("Backing format names")
struct BackingFormatNameTests {
    @Test func libvirtFormats() {
        for name in ["raw", "qcow2", "qcow", "qed", "vmdk", "vpc", "vhd", "vdi", "iso", "dir", "ploop", "cow"] {
            #expect(BackingFormatName(name) == .format(name))
        }
        #expect(BackingFormatName("vhd").servedFormat == .vpc)
        #expect(BackingFormatName("iso").servedFormat == .iso)
        #expect(BackingFormatName("dir").servedFormat == nil)
    }

    @Test func protocolsAreServedAsRaw() {
        for name in ["file", "nbd", "host_device", "host_cdrom", "iscsi", "rbd", "gluster", "ssh", "http",
                     "https", "ftp", "ftps", "nfs", "nvme", "vvfat"] {
            #expect(BackingFormatName(name) == .protocol(name), "\(name)")
            #expect(BackingFormatName(name).servedFormat == .raw)
        }
    }

    @Test func unknownAndQemuOnly() {
        #expect(BackingFormatName("qcow3") == .unknown("qcow3"))
        #expect(BackingFormatName("vhdx") == .qemuOnlyFormat("vhdx"))
    }
}
