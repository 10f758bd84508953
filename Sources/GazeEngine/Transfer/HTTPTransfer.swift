import AsyncHTTPClient
import Foundation
import NIOCore

/// Moves sources in and outputs out over HTTP(S), streaming to and from disk, and maps every failure to a ``GazeError``.
///
/// Every request goes through ``PinnedHTTP``, one hop at a time, so the ``AddressPolicy`` sees every host
/// contacted. Redirects: a download follows at most ``maxRedirects`` of them, each target checked again; an
/// upload follows none.
struct HTTPTransfer: Sendable {
    /// The most redirects a download may follow before it fails.
    static let maxRedirects = 3
    /// The statuses a download follows when they carry a `Location`.
    private static let redirectStatuses: Set<UInt> = [301, 302, 303, 307, 308]

    /// The largest source body accepted, checked against `Content-Length` and again while streaming.
    let maxDownloadBytes: Int64
    /// The longest a whole transfer may take. A connection that goes silent is also ended by the client's read timeout.
    let timeout: Duration
    /// Which hosts may be contacted, on the first request and after every redirect.
    let policy: AddressPolicy

    /// - Parameters:
    ///   - maxDownloadBytes: The largest source body accepted.
    ///   - timeout: The longest a whole download or upload may take.
    ///   - policy: Which hosts may be contacted; everything by default, as a command-line tool wants.
    init(maxDownloadBytes: Int64, timeout: Duration, policy: AddressPolicy = .allowAll) {
        self.maxDownloadBytes = maxDownloadBytes
        self.timeout = timeout
        self.policy = policy
    }

    /// Client settings for both directions: bodies decompressed up to 25×, as `HTTPClient.shared` did before.
    private static var configuration: HTTPClient.Configuration {
        var configuration = PinnedHTTP.defaultConfiguration
        configuration.decompression = .enabled(limit: .ratio(25))
        return configuration
    }

    /// Downloads `url` into the file at `destination`, replacing it, without holding the body in memory.
    ///
    /// `progress` gets the fraction done when the server sent a `Content-Length`, otherwise `nil`. On any failure
    /// nothing is left at `destination` (it is only created once the response is known to be acceptable).
    func download(
        from url: URL, to destination: URL, progress: @Sendable (_ fraction: Double?) -> Void
    ) async throws(GazeError) {
        do {
            guard Self.isHTTP(url) else { throw GazeError.invalidSource("Source URL must be an http or https URL.") }
            let deadline = NIODeadline.now() + TimeAmount(timeout)
            var current = url
            var redirects = 0
            while true {
                let next: URL?
                do {
                    next = try await PinnedHTTP.execute(
                        HTTPClientRequest(url: current.absoluteString), policy: policy, deadline: deadline,
                        configuration: Self.configuration
                    ) { response in
                        if let target = try Self.redirectTarget(of: response, from: current) { return target }
                        try await save(response, to: destination, deadline: deadline, progress: progress)
                        return nil
                    }
                } catch let refusal as URLRefusal where redirects > 0 && refusal.kind == .notAllowed {
                    throw GazeError.invalidSource("Source URL is not allowed: after a redirect, \(refusal).")
                }
                guard let next else { return }
                guard redirects < Self.maxRedirects else {
                    throw GazeError.invalidSource("Source URL redirected more than \(Self.maxRedirects) times.")
                }
                redirects += 1
                current = next
            }
        } catch {
            throw Self.mapped(error, subject: "Source URL", code: .invalidSource)
        }
    }

    /// Where a redirect answer points, resolved against the URL that gave it; `nil` for any other answer.
    private static func redirectTarget(of response: HTTPClientResponse, from url: URL) throws(GazeError) -> URL? {
        guard redirectStatuses.contains(response.status.code), let location = response.headers.first(name: "Location")
        else { return nil }
        guard let target = URL(string: location, relativeTo: url)?.absoluteURL else {
            throw .invalidSource("Source URL redirected to an invalid URL.")
        }
        guard isHTTP(target) else { throw .invalidSource("Source URL redirected to a URL that is not http or https.") }
        return target
    }

    /// Streams an accepted response's body into `destination`, removing the file again if anything fails.
    private func save(
        _ response: HTTPClientResponse, to destination: URL, deadline: NIODeadline,
        progress: @Sendable (_ fraction: Double?) -> Void
    ) async throws {
        let status = response.status.code
        guard (200..<300).contains(status) else { throw GazeError.invalidSource("Source URL returned \(status).") }
        let expected = response.headers.first(name: "Content-Length").flatMap { Int64($0) }
        if let expected, expected > maxDownloadBytes { throw tooLarge() }

        let file = try Self.openForWriting(destination)
        do {
            defer { try? file.close() }
            var received: Int64 = 0
            var reported: Int64 = 0
            // Roughly a hundred callbacks for a known size, one per MiB otherwise, rather than one per network read.
            let step = max(expected.map { $0 / 100 } ?? 0, 1 << 20)
            for try await chunk in response.body {
                try Task.checkCancellation()
                received += Int64(chunk.readableBytes)
                guard received <= maxDownloadBytes else { throw tooLarge() }
                // The client's deadline only covers the response head; the body is held to the same deadline here.
                guard NIODeadline.now() < deadline else { throw HTTPClientError.deadlineExceeded }
                do {
                    try chunk.withUnsafeReadableBytes { try file.write(contentsOf: $0) }
                } catch {
                    throw GazeError.outputFailed("Could not write the downloaded source to \(destination.path).")
                }
                if received - reported >= step {
                    reported = received
                    progress(expected.map { Double(received) / Double(max($0, 1)) })
                }
            }
            // A cancelled body stream can end quietly, which must not pass for a complete download.
            try Task.checkCancellation()
            if received != reported { progress(expected.map { _ in 1 }) }
        } catch {
            try? FileManager.default.removeItem(at: destination)
            throw error
        }
    }

    /// Uploads the file at `file` to `url` with a PUT (`Content-Type: video/mp4`), streaming it from disk.
    ///
    /// `progress` gets the fraction of the file handed to the connection so far. Redirects are not followed:
    /// a 3xx answer fails like any other non-2xx one.
    func upload(
        file: URL, to url: URL, progress: @Sendable (_ fraction: Double) -> Void
    ) async throws(GazeError) {
        do {
            guard Self.isHTTP(url) else { throw GazeError.outputFailed("Output URL must be an http or https URL.") }
            guard let size = (try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? NSNumber,
                let handle = try? FileHandle(forReadingFrom: file)
            else { throw GazeError.outputFailed("Could not read the output file at \(file.path).") }
            let length = size.int64Value
            // The body is pulled on NIO's side; progress crosses back through a stream so `progress` never escapes.
            let (fractions, continuation) = AsyncStream.makeStream(of: Double.self, bufferingPolicy: .bufferingNewest(1))
            let chunks = FileChunks(handle: handle) { sent in continuation.yield(Double(sent) / Double(max(length, 1))) }
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = .PUT
            request.headers.add(name: "Content-Type", value: "video/mp4")
            // A known length makes the client send Content-Length instead of chunked encoding.
            request.body = .stream(chunks, length: .known(length))
            let deadline = NIODeadline.now() + TimeAmount(timeout)
            let status = try await withThrowingTaskGroup(of: UInt.self) { group in
                group.addTask { [request, policy] in
                    defer { continuation.finish() }
                    return try await PinnedHTTP.execute(
                        request, policy: policy, deadline: deadline, configuration: Self.configuration
                    ) { response in response.status.code }
                }
                for await fraction in fractions { progress(fraction) }
                guard let status = try await group.next() else { throw CancellationError() }
                return status
            }
            guard (200..<300).contains(status) else { throw GazeError.outputFailed("Output URL returned \(status).") }
            if length == 0 { progress(1) }
        } catch {
            throw Self.mapped(error, subject: "Output URL", code: .outputFailed)
        }
    }

    private func tooLarge() -> GazeError {
        .unsupportedMedia("Source is larger than the \(Self.byteCount(maxDownloadBytes)) limit.")
    }

    private static func isHTTP(_ url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), url.host != nil else { return false }
        return scheme == "http" || scheme == "https"
    }

    private static func openForWriting(_ destination: URL) throws(GazeError) -> FileHandle {
        guard FileManager.default.createFile(atPath: destination.path, contents: nil),
            let handle = try? FileHandle(forWritingTo: destination)
        else { throw .outputFailed("Could not create \(destination.path) for the downloaded source.") }
        return handle
    }

    /// Maps any failure of a transfer about `subject` ("Source URL") to a ``GazeError`` with `code`: ``GazeError``s
    /// pass through, cancellation becomes `.cancelled`, a ``URLRefusal`` is worded by itself, and the rest are
    /// transport failures with a short reason.
    static func mapped(_ error: any Error, subject: String, code: GazeError.Code) -> GazeError {
        // Checked first: a cancelled task surfaces from the client as assorted errors, not only CancellationError.
        if Task.isCancelled || error is CancellationError { return .cancelled }
        if let error = error as? GazeError { return error }
        if let refusal = error as? URLRefusal { return GazeError(code, refusal.message(for: subject)) }
        return GazeError(code, "\(subject) could not be reached: \(reason(for: error)).")
    }

    /// A few words for the person who submitted the job on why a server could not be talked to.
    static func reason(for error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                return "timed out"
            case .tlsHandshakeTimeout: return "TLS handshake timed out"
            case .remoteConnectionClosed: return "the connection was closed early"
            case .redirectLimitReached: return "too many redirects"
            case .redirectCycleDetected: return "redirect loop"
            case .invalidURL, .emptyHost, .emptyScheme: return "invalid URL"
            case .cancelled: return "the request was cancelled"
            default: return error.shortDescription.lowercased()
            }
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET: return "connection reset"
            case ENETUNREACH, EHOSTUNREACH: return "host unreachable"
            default: return "network error (errno \(error.errnoCode))"
            }
        }
        // NIOPosix and NIOSSL errors are not worth a dependency each; their type names are telling enough.
        let type = String(reflecting: Swift.type(of: error))
        if type.contains("NIOSSL") || type.contains("BoringSSL") { return "TLS failure" }
        if type.contains("NIOConnectionError") || type.contains("Resolver") { return describeConnectionError(error) }
        return "network error"
    }

    private static func describeConnectionError(_ error: any Error) -> String {
        let text = String(describing: error).lowercased()
        if text.contains("dns") || text.contains("unknownhost") { return "host not found" }
        if text.contains("refused") || text.contains("errno: \(ECONNREFUSED)") { return "connection refused" }
        return "connection failed"
    }

    /// `bytes` in binary units for messages: "2 GiB", "1.5 MiB", "700 bytes".
    static func byteCount(_ bytes: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let rounded = (value * 10).rounded() / 10
        let number = rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
        return "\(number) \(units[unit])"
    }
}

/// A file read front to back in fixed-size chunks, as a streamed request body.
private struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let handle: FileHandle
    /// Called with the running total of bytes read, after each chunk.
    let onChunk: @Sendable (Int64) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        let onChunk: @Sendable (Int64) -> Void
        var sent: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let data = try handle.read(upToCount: 256 * 1024), !data.isEmpty else { return nil }
            sent += Int64(data.count)
            onChunk(sent)
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle, onChunk: onChunk) }
}
