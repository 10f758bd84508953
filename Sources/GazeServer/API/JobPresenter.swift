import Foundation
import Synchronization

/// The server's address as clients reach it, for absolute artifact URLs. Set from the configuration, or from
/// the listening socket once it is bound (port 0 picks a free port).
final class PublicURL: Sendable {
    private let value: Mutex<String>
    init(_ url: String) { value = Mutex(url) }
    var string: String { value.withLock { $0 } }
    func set(_ url: String) { value.withLock { $0 = url } }
}

/// Turns job rows into the API's job object, as responses and webhook payloads show it.
struct JobPresenter: Sendable {
    let publicURL: PublicURL
    let signer: URLSigner
    /// How long a signed `output.url` stays valid; a fresh one is signed each time a job is read.
    let urlLifetime: TimeInterval

    /// The path an artifact is served at (what the signature covers).
    static func artifactPath(job: String) -> String { "/v1/artifacts/\(job)/output.mp4" }

    func outputURL(job: String, now: Date) -> String {
        let path = Self.artifactPath(job: job)
        let expires = Int64(now.addingTimeInterval(urlLifetime).timeIntervalSince1970)
        return publicURL.string + path + "?" + signer.query(path: path, expires: expires)
    }

    func resource(_ job: JobRecord, now: Date = Date()) -> JobResource {
        var output: JobResource.Output?
        if job.status == .completed, let width = job.outputWidth, let height = job.outputHeight,
            let duration = job.outputDuration, let bytes = job.outputBytes {
            output = .init(url: outputURL(job: job.id, now: now), width: width, height: height,
                           duration: duration, sizeBytes: bytes)
        }
        let error = job.errorCode.map { JobResource.Failure(code: $0, message: job.errorMessage ?? "") }
        return JobResource(
            id: job.id, workspaceId: job.workspaceId, status: job.status, createdAt: job.createdAt,
            updatedAt: job.updatedAt, progressPercent: job.progressPercent, progressStage: job.progressStage?.rawValue,
            output: output, error: error, metadata: job.metadata, completedAt: job.completedAt)
    }

    /// A webhook body: `{type, timestamp, data: <job>}`.
    func eventPayload(_ type: WebhookEventType, job: JobRecord, now: Date) -> Data {
        let event = WebhookEvent(type: type.rawValue, timestamp: RFC3339.string(now), data: resource(job, now: now))
        return (try? JSONCoding.encoder.encode(event)) ?? Data()
    }
}

/// The job object exactly as the API names it. Every key is always present; `null` when it does not apply.
struct JobResource: Encodable, Sendable {
    struct Output: Encodable, Sendable, Equatable {
        var url: String
        var width: Int
        var height: Int
        var duration: Double
        var sizeBytes: Int64
        enum CodingKeys: String, CodingKey { case url, width, height, duration, sizeBytes = "size_bytes" }
    }

    struct Failure: Encodable, Sendable, Equatable {
        var code: String
        var message: String
    }

    var id: String
    var workspaceId: String
    var status: JobStatus
    var createdAt: Date
    var updatedAt: Date
    var progressPercent: Int
    var progressStage: String?
    var output: Output?
    var error: Failure?
    var metadata: [String: String]
    var completedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, kind, status, output, error, metadata
        case workspaceId = "workspace_id", createdAt = "created_at", updatedAt = "updated_at", taskType = "task_type"
        case progressPercent = "progress_percent", progressStage = "progress_stage", completedAt = "completed_at"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode("task", forKey: .kind)
        try c.encode(workspaceId, forKey: .workspaceId)
        try c.encode(status.rawValue, forKey: .status)
        try c.encode(RFC3339.string(createdAt), forKey: .createdAt)
        try c.encode(RFC3339.string(updatedAt), forKey: .updatedAt)
        try c.encode("gaze_redirect", forKey: .taskType)
        try c.encode(progressPercent, forKey: .progressPercent)
        try c.encode(progressStage, forKey: .progressStage)  // encode, not encodeIfPresent: null is written
        try c.encode(output, forKey: .output)
        try c.encode(error, forKey: .error)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(completedAt.map(RFC3339.string), forKey: .completedAt)
    }
}

struct WebhookEvent: Encodable, Sendable {
    var type: String
    var timestamp: String
    var data: JobResource
}

enum JSONCoding {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
