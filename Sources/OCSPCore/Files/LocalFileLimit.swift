/// The largest local file ocspd reads: a chain, a staple, an issuer, a responder
/// certificate, a state file. Anything larger is not what the path should hold, and reading
/// it whole would let one wrong path cost the process its memory.
public enum LocalFileLimit {
    public static let bytes = 1 << 20
}
