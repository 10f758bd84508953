import Foundation

/// The steps a job service runs before queueing a job: fetch the source, then check it.
extension GazeEngine {
    /// Downloads `url` into `destination` under the engine's limits, timeout and address policy.
    ///
    /// - Parameter progress: the fraction done when the server sent a length, otherwise `nil`.
    /// - Throws: `invalid_source` for HTTP errors ("Source URL returned 404."), refused or unreachable hosts and
    ///   too many redirects; `unsupported_media` past the size limit; `cancelled`. Nothing is left at
    ///   `destination` on failure.
    public func download(from url: URL, to destination: URL,
                         progress: @Sendable (_ fraction: Double?) -> Void = { _ in }) async throws(GazeError) {
        try await transfer.download(from: url, to: destination, progress: progress)
    }

    /// Opens `path`, checks it against the limits and decodes its first picture.
    /// - Throws: `invalid_source` when it is not a decodable video; `unsupported_media` beyond the limits.
    public func probe(file path: String) async throws(GazeError) -> MediaInfo {
        let limits = configuration.limits
        return try await onOwnThread(CancellationFlag()) { () throws(GazeError) in
            try MediaProbe.probe(path: path, limits: limits)
        }
    }
}
