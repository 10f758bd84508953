import Foundation

/// Puts a finished output in place: outputs are written beside their destination under a temporary name and
/// appear only when complete.
public enum OutputFile {
    /// Moves `staging` onto `path`. A regular file (or nothing) there is replaced atomically by rename(2), so
    /// readers see the old file or the whole new one. A device or FIFO there — `-o /dev/null`, a pipe — is
    /// written into instead: renaming over it would replace the device node itself with a plain file.
    public static func publish(_ staging: String, at path: String) throws(GazeError) {
        if isStream(path) {
            try copy(staging, into: path)
            try? FileManager.default.removeItem(atPath: staging)
            return
        }
        guard rename(staging, path) == 0 else {
            throw .outputFailed("The output could not be moved into place at \(path) (\(String(cString: strerror(errno)))).")
        }
    }

    /// Where to write the output before `publish`: beside `path`, so the rename is atomic, or in `scratch`
    /// when `path` is a device or FIFO, whose folder (`/dev`) is no place for a file.
    public static func stagingFolder(for path: String, scratch: URL) -> URL {
        isStream(path) ? scratch : URL(fileURLWithPath: path).deletingLastPathComponent()
    }

    /// Whether `path` exists and is a character device, FIFO or socket rather than a file or folder.
    static func isStream(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        return type == S_IFCHR || type == S_IFIFO || type == S_IFSOCK
    }

    private static func copy(_ source: String, into path: String) throws(GazeError) {
        guard let input = FileHandle(forReadingAtPath: source), let output = FileHandle(forWritingAtPath: path) else {
            throw .outputFailed("The output could not be written to \(path).")
        }
        defer {
            try? input.close()
            try? output.close()
        }
        do {
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
                try output.write(contentsOf: chunk)
            }
        } catch {
            throw .outputFailed("The output could not be written to \(path) (\(error.localizedDescription)).")
        }
    }
}
