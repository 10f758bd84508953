import Foundation
import HTTPTypes
import Hummingbird

/// `POST /v1/tasks/gaze-redirect`: validates, applies the idempotency key, checks the URLs and capacity,
/// and creates the job.
struct TasksController: Sendable {
    static let maxIdempotencyKeyLength = 255

    let store: JobStore
    let urls: URLChecker
    let runner: JobRunner
    let queueCapacity: Int

    func addRoutes(to group: RouterGroup<ServerContext>) {
        group.post("tasks/gaze-redirect", use: create)
    }

    @Sendable func create(_ request: Request, context: ServerContext) async throws -> Response {
        let workspace = try context.requireWorkspace()
        let body = try CreateTaskRequest(json: Data(buffer: try await request.body.collect(upTo: context.maxUploadSize)))
        let key = try Self.idempotencyKey(request)

        if let key {
            switch try await store.claim(key: key, workspace: workspace.id, requestHash: body.fingerprint) {
            case .proceed: break
            case .replay(let id):
                guard let job = try await store.job(id: id, workspace: workspace.id) else { throw APIError.internalError }
                var response = try JobJSON.response(store.presenter.resource(job), status: .ok)
                response.headers[.idempotentReplayed] = "true"
                return response
            case .inFlight:
                throw APIError(status: .conflict, code: "idempotency_key_in_use",
                               message: "A request with this Idempotency-Key is still being handled; retry shortly.")
            case .mismatch:
                throw APIError(status: .unprocessableContent, code: "idempotency_key_reused",
                               message: "This Idempotency-Key was used with a different request body.", param: "Idempotency-Key")
            }
        }
        do {
            try await urls.check(body.sourceURL, param: "source_url")
            if let webhook = body.webhookURL { try await urls.check(webhook, param: "webhook_url") }
            guard try await store.pendingCount() < queueCapacity else {
                throw APIError(status: .tooManyRequests, code: "queue_full",
                               message: "Too many jobs are waiting; retry later.", headers: [.retryAfter: "30"])
            }
            let now = Date()
            let job = JobRecord(
                id: ID.task(), workspaceId: workspace.id, status: .ingesting, progressPercent: 0, progressStage: .downloading,
                sourceUrl: body.sourceURL.absoluteString, webhookUrl: body.webhookURL?.absoluteString, intensity: body.intensity,
                metadata: body.metadata, attempts: 1, createdAt: now, updatedAt: now)
            try await store.create(job, idempotencyKey: key)
            runner.notify()
            var response = try JobJSON.response(store.presenter.resource(job, now: now), status: .created)
            response.headers[.location] = "/v1/jobs/\(job.id)"
            return response
        } catch {
            // No job was made: the key is free again, so a corrected or later retry is not refused.
            if let key { try? await store.release(key: key, workspace: workspace.id) }
            throw error
        }
    }

    private static func idempotencyKey(_ request: Request) throws(APIError) -> String? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...maxIdempotencyKeyLength).contains(key.count) else {
            throw .invalid("Idempotency-Key", "Idempotency-Key must be between 1 and \(maxIdempotencyKeyLength) characters.")
        }
        return key
    }
}

/// JSON responses with the API's encoder.
enum JobJSON {
    static func response(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let data = try JSONCoding.encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
