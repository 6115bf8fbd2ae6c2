// swift-tools-version:6.0
import Foundation
import PackageDescription

let package = Package(
    name: "ocspd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ocspd", targets: ["ocspd"]),
        .library(name: "OCSPCore", targets: ["OCSPCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // OpenSSL 3: X.509, OCSP and signatures.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // libcurl: HTTP(S) to responders and caIssuers URLs.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // What Swift's importer cannot call: variadic curl_easy_setopt/getinfo and OpenSSL macros.
        .target(
            name: "CShims",
            dependencies: ["COpenSSL", "CCurl"]
        ),
        .target(
            name: "OCSPCore",
            dependencies: [
                "COpenSSL",
                "CCurl",
                "CShims",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "ocspd",
            dependencies: [
                "OCSPCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "OCSPCoreTests",
            dependencies: [
                "OCSPCore", "COpenSSL", "CShims", .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer harness for the decoders (scripts/fuzz.sh sets OCSPD_FUZZ=1 and builds into
// .build-fuzz); absent from normal builds, which have no fuzzer runtime to link.
if ProcessInfo.processInfo.environment["OCSPD_FUZZ"] != nil {
    // Coverage instrumentation where the decoding logic lives, not only in the harness.
    for target in package.targets where target.name == "OCSPCore" {
        target.swiftSettings = [.unsafeFlags(["-sanitize=fuzzer,address"])]
    }
    package.targets.append(
        .executableTarget(
            name: "OCSPFuzz",
            dependencies: ["OCSPCore"],
            path: "Fuzz",
            exclude: ["corpus"],
            swiftSettings: [.unsafeFlags(["-sanitize=fuzzer,address", "-parse-as-library"])],
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])]
        ))
}
