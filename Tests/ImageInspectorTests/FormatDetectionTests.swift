import Foundation
import Testing
import TestSupport
@testable import ImageInspector

@Suite("Format detection")
struct FormatDetectionTests {
    func detect(_ bytes: [UInt8], padTo size: Int = 4096) throws -> ImageFormat {
        try FormatDetector.detect(MemoryImageSource(bytes: bytes + [UInt8](repeating: 0, count: max(0, size - bytes.count))))
    }

    @Test func magics() throws {
        #expect(try detect(Array("QFI".utf8) + [0xFB, 0, 0, 0, 3]) == .qcow2)
        #expect(try detect(Array("QFI".utf8) + [0xFB, 0, 0, 0, 2]) == .qcow2)
        #expect(try detect(Array("QFI".utf8) + [0xFB, 0, 0, 0, 1]) == .qcow)
        #expect(try detect(Array("QED".utf8) + [0]) == .qed)
        #expect(try detect(Array("KDMV".utf8)) == .vmdk)
        #expect(try detect(Array("# Disk DescriptorFile\n".utf8)) == .vmdk)
        #expect(try detect(Array("conectix".utf8)) == .vpc)
        #expect(try detect(Array("vhdxfile".utf8)) == .vhdx)
        #expect(try detect([UInt8](repeating: 0, count: 64) + [0x7F, 0x10, 0xDA, 0xBE]) == .vdi)
        #expect(try detect(Array("LUKS".utf8) + [0xBA, 0xBE]) == .luks)
        #expect(try detect(Array("WithoutFreeSpace".utf8)) == .parallels)
        #expect(try detect(Array("WithouFreSpacExt".utf8)) == .parallels)
        #expect(try detect([1, 2, 3]) == .raw)
        #expect(try detect([]) == .raw)
    }

    @Test func isoMagicAt32769() throws {
        var bytes = [UInt8](repeating: 0, count: 40000)
        bytes.replaceSubrange(32769 ..< 32774, with: Array("CD001".utf8))
        #expect(try FormatDetector.detect(MemoryImageSource(bytes: bytes)) == .iso)
    }

    @Test(arguments: ["vmdk", "vpc", "vhdx", "vdi", "qed", "parallels", "qcow", "raw"])
    func otherFormatsMadeByQemuImg(format: String) throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", format, "image", "10M")
        let chain = inspect(fixtures, "image")
        let layer = try #require(chain.layers.first)
        #expect(chain.layers.count == 1)
        #expect(layer.probedFormat?.rawValue == format)
        #expect(layer.conditions == [.ok])
        let qemu = try fixtures.qemuInfo("image")
        #expect(layer.format == qemu["format"] as? String)
        // Sizes are reported only where the header states them plainly.
        if let size = layer.virtualSize {
            #expect(size == (qemu["virtual-size"] as? NSNumber)?.uint64Value)
        }
        if let cluster = layer.clusterSize {
            #expect(cluster == (qemu["cluster-size"] as? NSNumber)?.uint64Value)
        }
        if ["vmdk", "vdi", "qed", "parallels", "qcow", "raw"].contains(format) {
            #expect(layer.virtualSize == 10 << 20)
        }
    }

    @Test func luksVolume() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImgRetrying(["create", "-f", "luks", "--object", "secret,id=sec0,data=abc",
                                      "-o", "key-secret=sec0,iter-time=10", "image.luks", "10M"])
        let layer = try #require(inspect(fixtures, "image.luks").layers.first)
        #expect(layer.probedFormat == .luks)
        #expect(layer.conditions == [.encrypted(method: "luks")])
    }

    @Test func isoInAFileIsServedAsRawByQemu() throws {
        let fixtures = try Fixtures()
        var bytes = [UInt8](repeating: 0, count: 64 * 1024)
        bytes.replaceSubrange(32769 ..< 32774, with: Array("CD001".utf8))
        try fixtures.write("disc.iso", bytes: bytes)
        let layer = try #require(inspect(fixtures, "disc.iso").layers.first)
        #expect(layer.probedFormat == .iso)
        #expect(layer.format == "raw")
        #expect(try fixtures.qemuInfo("disc.iso")["format"] as? String == "raw")
    }
}
