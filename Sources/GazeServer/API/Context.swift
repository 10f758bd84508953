import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Per-request state: the core context plus the workspace the bearer token belongs to.
struct ServerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var workspace: WorkspaceRecord?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Request bodies are small JSON documents.
    var maxUploadSize: Int { 64 * 1024 }

    /// The authenticated workspace; routes behind `BearerAuthMiddleware` always have one.
    func requireWorkspace() throws -> WorkspaceRecord {
        guard let workspace else { throw APIError.unauthorized }
        return workspace
    }
}

/// Gives each request an id (the caller's `X-Request-Id` when it sent a sensible one), puts it in the
/// request's log metadata and echoes it in the response, and logs one line per request.
struct RequestIDMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[.requestID].flatMap { id in
            id.count <= 128 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) } ? id : nil
        }
        let id = incoming ?? "req_" + ULIDGenerator.shared.next()
        context.logger[metadataKey: "request_id"] = .string(id)
        let started = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.requestID] = id
        let elapsed = (ContinuousClock.now - started).components
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code),
            "ms": .stringConvertible(elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000),
        ])
        return response
    }
}

/// Resolves `Authorization: Bearer <token>` to its workspace, or answers 401.
struct BearerAuthMiddleware: RouterMiddleware {
    let workspaces: WorkspaceStore

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.count < 512 else { throw APIError.unauthorized }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            let workspace = try await workspaces.workspace(token: String(parts[1]).trimmingCharacters(in: .whitespaces))
        else { throw APIError.unauthorized }
        var context = context
        context.workspace = workspace
        context.logger[metadataKey: "workspace_id"] = .string(workspace.id)
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}
