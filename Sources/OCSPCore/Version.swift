public enum OCSPDVersion {
    public static let current = "0.1.0"
}
