import Foundation

/// The entry point for both builds. SwiftPM links every executable with
/// `--defsym main=InspectorFuzz_main`, so libFuzzer's own `main` can never be
/// the one that runs; instead this one looks for libFuzzer's driver:
/// - built by scripts/fuzz (`-sanitize=fuzzer`), libFuzzer is linked in and
///   `LLVMFuzzerRunDriver` takes the command line (corpus folders, -flags);
/// - built by a plain `swift build`, it is absent and each argument is a saved
///   input (a crash reproducer, say) to run once through the same entry point.
@main
enum InspectorFuzzMain {
    typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    typealias RunDriver = @convention(c) (UnsafeMutablePointer<CInt>,
        UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>, TestOneInput) -> CInt

    static func main() {
        // scripts/fuzz exports this one symbol (--export-dynamic-symbol) for dlsym to find.
        if let symbol = dlsym(nil, "LLVMFuzzerRunDriver") {
            let driver = unsafeBitCast(symbol, to: RunDriver.self)
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(driver(&argc, &argv) { data, size in fuzz(data ?? UnsafePointer(bitPattern: 1)!, size) })
        }
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path); without libFuzzer linked in (scripts/fuzz builds it so), "
                      + "the arguments are saved inputs to replay")
                exit(64)
            }
            _ = [UInt8](data).withUnsafeBufferPointer {
                fuzz($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count)
            }
            print("\(path): ok")
        }
    }
}
