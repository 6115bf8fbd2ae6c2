internal import CCurl
internal import CShims
import Foundation

/// libcurl wants one process-wide initialisation before any handle exists and before
/// threads start using it; a global `let` is initialised exactly once, thread-safely.
/// Its code is kept: a failure refuses every handle with the reason, instead of a crash.
private let curlGlobalInitialisation: CURLcode = curl_global_init(3) // CURL_GLOBAL_ALL

/// The one owner of a `CURL*` easy handle, and of everything the handle points at while
/// it lives: the error buffer, header list, request body and response sink.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headers: UnsafeMutablePointer<curl_slist>? = nil
    /// `CURLOPT_POSTFIELDS` is not copied by curl: the bytes must outlive `perform`.
    private var body: UnsafeMutableBufferPointer<UInt8>? = nil
    private let sink: ResponseSink
    /// Kept alive for curl's progress callback, which holds an unretained pointer to it.
    private var cancellation: CancellationFlag? = nil
    /// Kept alive for curl's socket callback, likewise.
    private var addressGuard: AddressGuard? = nil

    init(maximumBodyBytes: Int) throws(CurlHandleError) {
        let initialisation = curlGlobalInitialisation
        guard initialisation == CURLE_OK else {
            throw .globalInitialisation(String(cString: curl_easy_strerror(initialisation)))
        }
        guard let handle = curl_easy_init() else { throw .noHandle }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        sink = ResponseSink(limit: maximumBodyBytes)
    }

    /// Readies the handle for another transfer: options back to defaults, but the connection
    /// cache kept, so the next request to the same responder can reuse its connection.
    func reset() {
        curl_easy_reset(handle)
        curl_slist_free_all(headers)
        headers = nil
        body?.deallocate()
        body = nil
        cancellation = nil
        addressGuard = nil
        sink.bytes.removeAll(keepingCapacity: true)
        sink.exceeded = false
        errorBuffer[0] = 0
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headers)
        errorBuffer.deallocate()
        body?.deallocate()
    }

    /// The message curl left in its error buffer for the last failure, or its generic text.
    private func errorMessage(_ code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    func set(_ option: CURLoption, _ value: Int) throws(CurlSetupError) {
        try check(option, ocspd_curl_setopt_long(handle, option, value))
    }

    func set(_ option: CURLoption, _ value: String) throws(CurlSetupError) {
        // curl copies string options (since 7.17.0), so a temporary C string is enough.
        try check(option, value.withCString { ocspd_curl_setopt_pointer(handle, option, $0) })
    }

    func setHeaders(_ lines: [String]) throws(CurlSetupError) {
        for line in lines {
            guard let extended = curl_slist_append(headers, line) else {
                throw CurlSetupError(option: CURLOPT_HTTPHEADER, code: CURLE_OUT_OF_MEMORY)
            }
            headers = extended
        }
        try check(CURLOPT_HTTPHEADER, ocspd_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, headers))
    }

    func setBody(_ bytes: [UInt8]) throws(CurlSetupError) {
        let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes.count))
        _ = copy.initialize(from: bytes)
        body = copy
        try set(CURLOPT_POST, 1)
        try check(CURLOPT_POSTFIELDSIZE_LARGE, ocspd_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)))
        try check(CURLOPT_POSTFIELDS, ocspd_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, copy.baseAddress))
    }

    /// Refuses connections to private addresses, checked on each address curl resolved.
    func refusePrivateAddresses(recordingIn guardian: AddressGuard) throws(CurlSetupError) {
        addressGuard = guardian
        try check(CURLOPT_OPENSOCKETFUNCTION, ocspd_curl_setopt_opensocket_function(handle, openPublicSocket))
        try check(
            CURLOPT_OPENSOCKETDATA, ocspd_curl_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, Unmanaged.passUnretained(guardian).toOpaque())
        )
    }

    /// Makes curl ask `flag` about once a second (and on every chunk) whether to abort.
    func abort(when flag: CancellationFlag) throws(CurlSetupError) {
        cancellation = flag
        try set(CURLOPT_NOPROGRESS, 0)
        try check(CURLOPT_XFERINFOFUNCTION, ocspd_curl_setopt_xferinfo_function(handle, transferProgress))
        try check(CURLOPT_XFERINFODATA, ocspd_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(flag).toOpaque()))
    }

    func prepare() throws(CurlSetupError) {
        try check(CURLOPT_ERRORBUFFER, ocspd_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        try check(CURLOPT_WRITEFUNCTION, ocspd_curl_setopt_write_function(handle, responseSinkWrite))
        try check(CURLOPT_WRITEDATA, ocspd_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()))
    }

    /// Runs the transfer: nil when it completed, else what failed and what curl knew then.
    func perform() -> CurlFailure? {
        let code = withExtendedLifetime(sink) { curl_easy_perform(handle) }
        guard code != CURLE_OK else { return nil }
        return CurlFailure(
            code: code, message: errorMessage(code), bodyExceeded: sink.exceeded,
            responseStatus: info(long: CURLINFO_RESPONSE_CODE) ?? 0,
            connectStatus: info(long: CURLINFO_HTTP_CONNECTCODE) ?? 0,
            redirectCount: info(long: CURLINFO_REDIRECT_COUNT) ?? 0)
    }

    /// The body received, up to the cap.
    var receivedBody: [UInt8] { sink.bytes }

    /// The URL of the last request, after redirects.
    var effectiveURL: String? { info(string: CURLINFO_EFFECTIVE_URL) }

    /// The final answer's HTTP status.
    var responseStatus: Int? { info(long: CURLINFO_RESPONSE_CODE) }

    var contentType: String? { info(string: CURLINFO_CONTENT_TYPE) }

    /// Retry-After in seconds (curl turns a date into seconds), when the answer had one.
    var retryAfter: Int64? { info(offset: CURLINFO_RETRY_AFTER) }

    private func info(long info: CURLINFO) -> Int? {
        var value = 0
        return ocspd_curl_getinfo_long(handle, info, &value) == CURLE_OK ? value : nil
    }

    private func info(offset info: CURLINFO) -> Int64? {
        var value: curl_off_t = 0
        return ocspd_curl_getinfo_off_t(handle, info, &value) == CURLE_OK ? Int64(value) : nil
    }

    private func info(string info: CURLINFO) -> String? {
        var value: UnsafePointer<CChar>? = nil
        guard ocspd_curl_getinfo_string(handle, info, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }

    /// The last value of a response header of the final request (curl ≥ 7.83).
    func header(_ name: String) -> String? {
        var found: UnsafeMutablePointer<curl_header>? = nil
        let code = curl_easy_header(handle, name, 0, UInt32(CURLH_HEADER), -1, &found)
        guard code == CURLHE_OK, let found, let value = found.pointee.value else { return nil }
        return String(cString: value)
    }

    private func check(_ option: CURLoption, _ code: CURLcode) throws(CurlSetupError) {
        guard code == CURLE_OK else { throw CurlSetupError(option: option, code: code) }
    }
}

/// libcurl gave no handle to transfer with.
enum CurlHandleError: Error, CustomStringConvertible {
    /// `curl_global_init` failed (once per process): no transfer can work.
    case globalInitialisation(String)
    case noHandle

    var description: String {
        switch self {
        case .globalInitialisation(let detail): return "libcurl could not initialise (\(detail))"
        case .noHandle: return "libcurl could not create a handle"
        }
    }
}

struct CurlSetupError: Error, CustomStringConvertible {
    let option: CURLoption
    let code: CURLcode

    var description: String {
        "libcurl refused option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))"
    }
}

/// Collects the response body up to a cap. curl 7.88's CURLOPT_MAXFILESIZE does not cover
/// bodies of unknown length (chunked, or close-delimited), so the cap is enforced here.
final class ResponseSink {
    let limit: Int
    var bytes: [UInt8] = []
    var exceeded = false

    init(limit: Int) {
        self.limit = limit
    }
}

/// Opens the socket curl asked for unless the address is private; CURL_SOCKET_BAD makes curl
/// fail the connection (and try the next address).
private let openPublicSocket:
    @convention(c) (UnsafeMutableRawPointer?, curlsocktype, UnsafeMutablePointer<curl_sockaddr>?) -> curl_socket_t = {
        userdata, _, address in
        guard let userdata, let address else { return -1 }
        let guardian = Unmanaged<AddressGuard>.fromOpaque(userdata).takeUnretainedValue()
        let isPrivate = withUnsafePointer(to: &address.pointee.addr) { AddressPolicy.isPrivate($0) }
        if isPrivate {
            var host = [CChar](repeating: 0, count: 64)
            let printed = withUnsafePointer(to: &address.pointee.addr) {
                getnameinfo($0, address.pointee.addrlen, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST)
            }
            let name = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guardian.refuse(printed == 0 ? name : "(an address getnameinfo cannot print)")
            return -1
        }
        return socket(address.pointee.family, address.pointee.socktype, address.pointee.protocol)
    }

/// A non-zero return aborts the transfer with CURLE_ABORTED_BY_CALLBACK.
private let transferProgress: @convention(c) (UnsafeMutableRawPointer?, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> Int32 = {
    userdata, _, _, _, _ in
    guard let userdata else { return 0 }
    return Unmanaged<CancellationFlag>.fromOpaque(userdata).takeUnretainedValue().isCancelled ? 1 : 0
}

/// Returning less than the offered size makes curl abort the transfer with CURLE_WRITE_ERROR.
private let responseSinkWrite: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, userdata in
    guard let userdata else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    guard sink.bytes.count + length <= sink.limit else {
        sink.exceeded = true
        return 0
    }
    if let data, length > 0 {
        data.withMemoryRebound(to: UInt8.self, capacity: length) {
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
        }
    }
    return length
}
