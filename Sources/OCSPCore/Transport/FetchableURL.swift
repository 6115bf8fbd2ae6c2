/// The one rule for which URLs ocspd fetches: http and https, nothing else (no file://,
/// ldap://, ftp://), whether they come from a certificate, the command line or the configuration.
public enum FetchableURL {
    public static func isAllowed(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }
}
