import Foundation

/// A C library function Swift's Glibc module does not declare (a GNU extension, a header it
/// leaves out), found in the running C library by name (`dlsym`), so that no C module is
/// needed outside the OpenSSL and libcurl owners. Nil when the C library lacks it.
enum SystemSymbol {
    static func function<Function>(_ name: String, as type: Function.Type) -> Function? {
        // dlopen(NULL) is the program itself, with every library it loaded (glibc among them).
        guard let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }
}
