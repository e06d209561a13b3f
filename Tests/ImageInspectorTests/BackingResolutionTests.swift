import Foundation
import Testing
import TestSupport
@testable import ImageInspector

/// Every form of backing name leads where qemu goes: `qemu-img info
/// --backing-chain` run from `/` (where libvirt starts QEMU, not the image's
/// folder) opens the chain exactly when the inspector calls it openable, and
/// then the same files, layer for layer -- except the forms libvirt refuses
/// though qemu alone opens them (`file:`), which are critical.
@Suite("Backing names resolved as qemu resolves them")
struct BackingResolutionTests {
    struct Form: CustomStringConvertible {
        var name: String
        /// The backing name recorded in the top image ({base} is the base's absolute path).
        var backing: String
        var format = "qcow2"
        /// libvirt refuses to start a domain on it, whatever qemu alone does.
        var libvirtRefuses = false
        var description: String { name }
    }

    static let forms: [Form] = [
        Form(name: "plain relative", backing: "base.qcow2"),
        Form(name: "relative with a folder", backing: "./sub/../base.qcow2"),
        Form(name: "absolute", backing: "{base}"),
        Form(name: "file: relative", backing: "file:base.qcow2", libvirtRefuses: true),
        Form(name: "file: absolute", backing: "file:{base}", libvirtRefuses: true),
        Form(name: "json: nested relative", backing: #"json:{"driver":"qcow2","file":{"driver":"file","filename":"base.qcow2"}}"#),
        Form(name: "json: nested absolute", backing: #"json:{"driver":"qcow2","file":{"driver":"file","filename":"{base}"}}"#),
        Form(name: "json: dotted absolute", backing: #"json:{"driver":"qcow2","file.driver":"file","file.filename":"{base}"}"#),
        Form(name: "json: dotted relative", backing: #"json:{"file.driver":"file","file.filename":"base.qcow2"}"#),
        Form(name: "json: bare filename relative", backing: #"json:{"filename":"base.qcow2"}"#),
        Form(name: "json: raw over file", backing: #"json:{"driver":"raw","file":{"driver":"file","filename":"{raw}"}}"#, format: "raw"),
        Form(name: "unknown protocol", backing: "snap:base.qcow2"),
    ]

    @Test(arguments: forms)
    func qemuOpensWhatTheInspectorFollows(_ form: Form) throws {
        let fixtures = try Fixtures()
        try FileManager.default.createDirectory(atPath: fixtures.path("sub"), withIntermediateDirectories: true)
        try fixtures.qemuImg("create", "-f", "qcow2", "base.qcow2", "16M")
        try fixtures.qemuImg("create", "-f", "raw", "base.raw", "16M")
        let backing = form.backing.replacingOccurrences(of: "{base}", with: fixtures.path("base.qcow2"))
            .replacingOccurrences(of: "{raw}", with: fixtures.path("base.raw"))
        try fixtures.qemuImg("create", "-f", "qcow2", "-u", "-F", form.format, "-b", backing, "top.qcow2", "16M")
        let top = fixtures.path("top.qcow2")

        let qemu = try Command.run("qemu-img", ["info", "--backing-chain", "--output=json", "-U", top], in: URL(fileURLWithPath: "/"))
        let chain = ChainInspector().inspect(path: top)
        if form.libvirtRefuses {
            #expect(chain.health.severity == .critical && chain.health.detail.contains("libvirt refuses"), "\(form): \(chain.health.detail)")
            return
        }
        let openable = chain.health.severity < .critical
        #expect(openable == (qemu.status == 0),
                "\(form): qemu-img from / \(qemu.status == 0 ? "opens" : "refuses") it (\(qemu.stderr.prefix(300))); the inspector says \(chain.health.severity): \(chain.health.detail)")
        guard qemu.status == 0 else { return }
        let images = try #require(try JSONSerialization.jsonObject(with: Data(qemu.stdout.utf8)) as? [[String: Any]])
        // qemu names a json: layer by its specification; compare the files it opened.
        let qemuFiles = images.map { image -> String in
            let name = image["filename"] as? String ?? ""
            if name.hasPrefix("json:"), let spec = name.range(of: #""filename": ""#) ?? name.range(of: #""filename":""#) {
                return String(name[spec.upperBound...].prefix { $0 != "\"" })
            }
            return name
        }
        let ours = chain.layers.map { URL(fileURLWithPath: $0.path).standardizedFileURL.path }
        #expect(ours == qemuFiles.map { URL(fileURLWithPath: $0).standardizedFileURL.path }, "\(form): files opened")
    }
}
