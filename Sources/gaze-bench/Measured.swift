import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One process run: wall time, CPU time and peak resident memory, as the kernel accounted them.
struct Measured: Codable {
    var wallSeconds: Double
    var cpuSeconds: Double
    var peakRSSMegabytes: Double
    var status: Int32
    var stdout: Data

    /// Runs `arguments[0]` (searched on PATH) with the rest as its arguments, stdout captured to a file,
    /// stderr discarded, and returns what `wait4` reports for it alone.
    static func run(_ arguments: [String], stdoutTo captured: URL) throws -> Measured {
        _ = FileManager.default.createFile(atPath: captured.path, contents: nil)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, captured.path, O_WRONLY | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = ContinuousClock.now
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
        guard spawned == 0 else { throw BenchError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = { (t: timeval) in Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Measured(
            wallSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            peakRSSMegabytes: Double(usage.ru_maxrss) / 1024,  // Linux reports kilobytes
            status: exit,
            stdout: (try? Data(contentsOf: captured)) ?? Data())
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
