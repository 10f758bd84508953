import Foundation
import Hummingbird

/// Serves finished videos at signed, expiring URLs (no bearer token: the URL is the credential), with byte
/// ranges so players can seek.
struct ArtifactsController: Sendable {
    let store: JobStore
    let files: JobFiles
    let signer: URLSigner
    let fileIO = FileIO()

    func addRoutes(to router: Router<ServerContext>) {
        router.get("v1/artifacts/:id/output.mp4") { request, context in try await serve(request, context, body: true) }
        router.head("v1/artifacts/:id/output.mp4") { request, context in try await serve(request, context, body: false) }
    }

    private func serve(_ request: Request, _ context: ServerContext, body: Bool) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let query = request.uri.queryParameters
        switch signer.verify(path: JobPresenter.artifactPath(job: id), expires: query["expires"].flatMap { Int64(String($0)) },
                             signature: query["signature"].map(String.init)) {
        case .valid: break
        case .expired: throw APIError(status: .forbidden, code: "url_expired", message: "This download link has expired; read the job again for a fresh one.")
        case .invalid: throw APIError(status: .forbidden, code: "signature_invalid", message: "This download link is not valid.")
        }
        let path = files.artifact(id).path
        guard let job = try await store.job(id: id), job.status == .completed,
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        else { throw APIError.notFound("The output of this job is no longer available.") }

        var headers: HTTPFields = [.contentType: "video/mp4", .acceptRanges: "bytes", .cacheControl: "private, max-age=3600"]
        let range: ClosedRange<Int>
        let status: HTTPResponse.Status
        switch ByteRange.parse(request.headers[.range], size: size) {
        case .whole:
            (range, status) = (0...max(size - 1, 0), .ok)
        case .partial(let requested):
            (range, status) = (requested, .partialContent)
            headers[.contentRange] = "bytes \(requested.lowerBound)-\(requested.upperBound)/\(size)"
        case .unsatisfiable:
            throw APIError(status: .rangeNotSatisfiable, code: "range_not_satisfiable",
                           message: "The requested range is outside the file (\(size) bytes).", headers: [.contentRange: "bytes */\(size)"])
        }
        headers[.contentLength] = String(size == 0 ? 0 : range.count)
        guard body, size > 0 else { return Response(status: status, headers: headers) }
        return Response(status: status, headers: headers, body: try await fileIO.loadFile(path: path, range: range, context: context))
    }
}

/// A `Range` header, as RFC 9110 defines it for one byte range; several ranges are answered with the whole file.
enum ByteRange: Equatable {
    case whole
    case partial(ClosedRange<Int>)
    case unsatisfiable

    static func parse(_ header: String?, size: Int) -> ByteRange {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else { return .whole }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .whole }
        let (first, last) = (Int(parts[0]), Int(parts[1]))
        switch (parts[0].isEmpty, parts[1].isEmpty) {
        case (true, false):  // the last N bytes
            guard let n = last, n > 0, size > 0 else { return last == nil ? .whole : .unsatisfiable }
            return .partial(max(0, size - n)...(size - 1))
        case (false, _):
            guard let start = first, start >= 0, parts[1].isEmpty || (last ?? -1) >= start else { return .whole }  // malformed: ignored
            guard start < size else { return .unsatisfiable }
            return .partial(start...min(last ?? size - 1, size - 1))
        default:
            return .whole
        }
    }
}
