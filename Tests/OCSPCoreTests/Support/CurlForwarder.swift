import Foundation

@testable import OCSPCore

/// Passes a request on to a real responder with ocspd's own transport.
enum CurlForwarder {
    static func get(_ url: String) -> (status: Int, body: [UInt8])? {
        guard case .success(let response) = CurlTransport().perform(.get(url)) else { return nil }
        return (response.statusCode, response.body)
    }

    static func post(_ url: String, body: [UInt8]) -> (status: Int, body: [UInt8])? {
        guard case .success(let response) = CurlTransport().perform(.post(url, body: body, contentType: "application/ocsp-request")) else {
            return nil
        }
        return (response.statusCode, response.body)
    }
}
