import SwiftASN1

/// Adds certificates to a BasicOCSPResponse's `certs` field without touching the signed
/// part: tbsResponseData, signatureAlgorithm and signature are copied byte for byte, so the
/// signature still verifies whatever encoding the responder used.
enum StapleAssembler {
    private static let certsTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)

    static func embedding(_ extra: [Certificate], in response: OCSPResponse) throws(AssemblyError) -> [UInt8] {
        guard !extra.isEmpty else { return response.derBytes }
        do {
            let parts = try Parts(parsing: response.derBytes)
            return parts.serialized(certificates: parts.certificates + extra.map { ArraySlice($0.derBytes) })
        } catch let error as AssemblyError {
            throw error
        } catch {
            throw .unexpectedStructure(String(describing: error))
        }
    }

    /// The response taken apart down to the BasicOCSPResponse's fields.
    private struct Parts {
        /// OCSPResponse ::= SEQUENCE { responseStatus, [0] EXPLICIT ResponseBytes }
        let outer: [ASN1Node]
        /// ResponseBytes ::= SEQUENCE { responseType OID, response OCTET STRING }
        let responseBytes: [ASN1Node]
        /// BasicOCSPResponse ::= SEQUENCE { tbsResponseData, signatureAlgorithm, signature, [0] certs OPTIONAL }
        let basic: [ASN1Node]
        /// The certificates `certs` holds already, as encoded.
        let certificates: [ArraySlice<UInt8>]

        init(parsing der: [UInt8]) throws {
            outer = try children(of: DER.parse(der))
            guard outer.count == 2, outer[1].identifier == certsTag else { throw AssemblyError.unexpectedStructure("responseBytes") }
            let wrapper = try children(of: outer[1])
            guard wrapper.count == 1 else { throw AssemblyError.unexpectedStructure("responseBytes wrapper") }
            responseBytes = try children(of: wrapper[0])
            guard responseBytes.count == 2, case .primitive(let basicDER) = responseBytes[1].content else {
                throw AssemblyError.unexpectedStructure("response OCTET STRING")
            }
            basic = try children(of: DER.parse(basicDER))
            guard basic.count == 3 || basic.count == 4 else { throw AssemblyError.unexpectedStructure("BasicOCSPResponse") }
            guard basic.count == 4 else {
                certificates = []
                return
            }
            let certsField = try children(of: basic[3])
            guard certsField.count == 1 else { throw AssemblyError.unexpectedStructure("certs") }
            certificates = try children(of: certsField[0]).map(\.encodedBytes)
        }

        /// The response again, its signed part byte for byte, with `certificates` as `certs`.
        func serialized(certificates: [ArraySlice<UInt8>]) -> [UInt8] {
            var basicSerializer = DER.Serializer()
            basicSerializer.appendConstructedNode(identifier: .sequence) { body in
                for field in basic.prefix(3) { body.serializeRawBytes(field.encodedBytes) }
                body.appendConstructedNode(identifier: certsTag) { tagged in
                    tagged.appendConstructedNode(identifier: .sequence) { list in
                        for certificate in certificates { list.serializeRawBytes(certificate) }
                    }
                }
            }
            let newBasic = basicSerializer.serializedBytes
            var serializer = DER.Serializer()
            serializer.appendConstructedNode(identifier: .sequence) { body in
                body.serializeRawBytes(outer[0].encodedBytes)
                body.appendConstructedNode(identifier: certsTag) { tagged in
                    tagged.appendConstructedNode(identifier: .sequence) { bytes in
                        bytes.serializeRawBytes(responseBytes[0].encodedBytes)
                        bytes.appendPrimitiveNode(identifier: .octetString) { $0.append(contentsOf: newBasic) }
                    }
                }
            }
            return serializer.serializedBytes
        }
    }

    private static func children(of node: ASN1Node) throws(AssemblyError) -> [ASN1Node] {
        guard case .constructed(let nodes) = node.content else { throw .unexpectedStructure("a primitive where a SEQUENCE belongs") }
        return Array(nodes)
    }
}

enum AssemblyError: Error, CustomStringConvertible {
    case unexpectedStructure(String)

    var description: String {
        switch self {
        case .unexpectedStructure(let what): return "cannot add the signer certificate to the response: unexpected \(what)"
        }
    }
}
