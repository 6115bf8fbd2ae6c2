import OCSPCore

/// One libFuzzer input: the first byte picks the decoder, the rest is its input. Both
/// decoders must return or throw for any bytes: never crash, hang or allocate wildly.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] & 1 == 0 {
        if let response = try? OCSPResponse(derOrPEM: bytes), let basic = response.basic {
            _ = InspectReport(response: response, verification: nil, at: basic.producedAt).json.rendered()
        }
    } else {
        if let chain = try? CertificateChain.parse(bytes, path: "fuzz") {
            _ = chain.leaf.ocspURLs
        }
    }
    return 0
}

/// SwiftPM renames an executable's entry point to `<target>_main` and aliases `main` to it,
/// so libFuzzer's own `main` is never linked; start its driver from here instead.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

@_cdecl("OCSPFuzz_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzz(data, size) }
}
