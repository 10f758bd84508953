import Foundation
import Hummingbird

/// `GET` and `PUT /v1/webhook-endpoint`: the workspace's webhook URL and its signing secret.
struct WebhookEndpointController: Sendable {
    let workspaces: WorkspaceStore
    let urls: URLChecker

    func addRoutes(to group: RouterGroup<ServerContext>) {
        group.get("webhook-endpoint", use: get)
        group.put("webhook-endpoint", use: put)
    }

    @Sendable func get(_ request: Request, context: ServerContext) async throws -> Response {
        try JobJSON.response(Endpoint(try context.requireWorkspace()), status: .ok)
    }

    @Sendable func put(_ request: Request, context: ServerContext) async throws -> Response {
        let workspace = try context.requireWorkspace()
        let body = try JSONValue.object(from: Data(buffer: try await request.body.collect(upTo: context.maxUploadSize)))
        try JSONValue.rejectUnknown(body, known: ["url"])
        let url: URL?
        switch body["url"] {
        case nil: throw APIError.missing("url")
        case .null?: url = nil
        case let value?: url = try URLParameter.parse(value, name: "url")
        }
        if let url { try await urls.check(url, param: "url") }
        guard let updated = try await workspaces.setWebhookURL(url?.absoluteString, workspace: workspace.id) else {
            throw APIError.unauthorized
        }
        return try JobJSON.response(Endpoint(updated), status: .ok)
    }

    struct Endpoint: Encodable {
        var url: String?
        var secret: String
        init(_ workspace: WorkspaceRecord) {
            url = workspace.webhookUrl
            secret = workspace.webhookSecret
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(url, forKey: .url)
            try c.encode(secret, forKey: .secret)
        }
        enum CodingKeys: String, CodingKey { case url, secret }
    }
}
