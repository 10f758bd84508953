import Foundation
import Hummingbird

/// `GET /v1/jobs`, `GET /v1/jobs/{id}` and `POST /v1/jobs/{id}/cancel`, scoped to the caller's workspace: another
/// workspace's job is "not found", never "forbidden", so ids cannot be probed.
struct JobsController: Sendable {
    static let defaultLimit = 20
    static let maxLimit = 100

    let store: JobStore
    let runner: JobRunner

    func addRoutes(to group: RouterGroup<ServerContext>) {
        group.get("jobs", use: list)
        group.get("jobs/:id", use: get)
        group.post("jobs/:id/cancel", use: cancel)
    }

    @Sendable func get(_ request: Request, context: ServerContext) async throws -> Response {
        let job = try await find(context)
        return try JobJSON.response(store.presenter.resource(job), status: .ok)
    }

    @Sendable func list(_ request: Request, context: ServerContext) async throws -> Response {
        let workspace = try context.requireWorkspace()
        let query = request.uri.queryParameters
        var limit = Self.defaultLimit
        if let text = query["limit"] {
            guard let value = Int(String(text)), (1...Self.maxLimit).contains(value) else {
                throw APIError.invalid("limit", "limit must be an integer between 1 and \(Self.maxLimit).")
            }
            limit = value
        }
        var status: JobStatus?
        if let text = query["status"] {
            guard let value = JobStatus(rawValue: String(text)) else {
                let names = JobStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.invalid("status", "status must be one of \(names).")
            }
            status = value
        }
        let after = query["starting_after"].map(String.init)
        if let after, after.wholeMatch(of: /task_[0-9A-HJKMNP-TV-Z]{26}/) == nil {
            throw APIError.invalid("starting_after", "starting_after must be a job id (task_…).")
        }
        let page = try await store.jobs(workspace: workspace.id, status: status, limit: limit, startingAfter: after)
        let now = Date()
        return try JobJSON.response(JobList(data: page.jobs.map { store.presenter.resource($0, now: now) }, hasMore: page.hasMore),
                                    status: .ok)
    }

    @Sendable func cancel(_ request: Request, context: ServerContext) async throws -> Response {
        let job = try await find(context)
        guard let cancelled = try await store.update(job.id, from: Set(JobStatus.active), event: .cancelled, { job in
            job.status = .cancelled
        }) else {
            let current = try await store.job(id: job.id)?.status ?? job.status
            throw APIError(status: .conflict, code: "job_not_cancellable",
                           message: "The job is already \(current.rawValue) and can no longer be cancelled.")
        }
        runner.stop(job.id)
        return try JobJSON.response(store.presenter.resource(cancelled), status: .ok)
    }

    private func find(_ context: ServerContext) async throws -> JobRecord {
        let workspace = try context.requireWorkspace()
        let id = context.parameters.get("id") ?? ""
        guard let job = try await store.job(id: id, workspace: workspace.id) else {
            throw APIError.notFound("No job with id \(id.prefix(64)).")
        }
        return job
    }
}

struct JobList: Encodable {
    var data: [JobResource]
    var hasMore: Bool
    enum CodingKeys: String, CodingKey { case data, hasMore = "has_more" }
}
