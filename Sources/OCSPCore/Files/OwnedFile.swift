/// Which of the files ocspd writes a write was for. Every write error names it, so an
/// operator reading "cannot put the new state file in place" knows the staple itself is fine.
public enum OwnedFile: Sendable, Equatable, CustomStringConvertible {
    /// The DER proof a server reads (`--output`, or `NAME.ocsp` beside a folder's chain).
    case staple
    /// A staple's state file in the state folder (`StateStore`).
    case stateFile
    /// A verified revoked proof kept so no good proof replaces it (`RevocationLedger`).
    case revocationRecord
    /// The Prometheus text file (`--metrics-file`).
    case metricsFile
    /// The ledger that keeps the published request counters from going down (`StateFolderCounters`).
    case counterLedger

    /// "state file".
    public var noun: String {
        switch self {
        case .staple: return "staple"
        case .stateFile: return "state file"
        case .revocationRecord: return "revocation record"
        case .metricsFile: return "metrics file"
        case .counterLedger: return "counter ledger"
        }
    }

    /// "the state file".
    public var description: String { "the \(noun)" }

    /// What the operator can do when something that is not a regular file sits at the name.
    var clearTheName: String {
        switch self {
        case .staple: return "point the output at a file of its own"
        case .metricsFile: return "point --metrics-file at a file of its own"
        case .stateFile, .revocationRecord, .counterLedger: return "remove it; ocspd names its own files"
        }
    }
}
