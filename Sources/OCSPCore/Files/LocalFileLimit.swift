/// The largest local files ocspd reads, in one place. Anything larger is not what the path
/// should hold, and reading it whole would let one wrong path cost the process its memory.
/// (What clients accept in a handshake is another limit: `StapleSizeLimit`.)
public enum LocalFileLimit {
    /// A chain, a staple, an issuer, a responder certificate, a state file.
    public static let bytes = 1 << 20
    /// The configuration: 10,000 entries written one by one take about 1.5 MiB.
    public static let configuration = 4 << 20
    /// A revocation record holds one proof.
    public static let revocationRecord = 1 << 16
    /// The counter ledger keeps a line per responder URL.
    public static let counterLedger = 16 << 20
}
