import Foundation
import GazeEngine
import Hummingbird

/// Every error the API answers with, in one shape: `{"error": {"code", "message", "param"}}`.
struct APIError: HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var param: String?
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        let body = Body(error: .init(code: code, message: message, param: param))
        let data = (try? JSONCoding.encoder.encode(body)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var param: String?
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(code, forKey: .code)
                try c.encode(message, forKey: .message)
                try c.encode(param, forKey: .param)
            }
            enum CodingKeys: String, CodingKey { case code, message, param }
        }
        var error: Detail
    }

    static func invalidJSON(_ message: String) -> APIError { APIError(status: .badRequest, code: "invalid_json", message: message) }
    static func missing(_ param: String) -> APIError {
        APIError(status: .badRequest, code: "parameter_missing", message: "\(param) is required.", param: param)
    }
    static func invalid(_ param: String, _ message: String) -> APIError {
        APIError(status: .badRequest, code: "parameter_invalid", message: message, param: param)
    }
    static func unknown(_ param: String) -> APIError {
        APIError(status: .badRequest, code: "parameter_unknown", message: "\(param) is not a known parameter.", param: param)
    }
    static let unauthorized = APIError(status: .unauthorized, code: "unauthorized",
                                       message: "A valid API token is required: Authorization: Bearer <token>.",
                                       headers: [.wwwAuthenticate: "Bearer"])
    static func notFound(_ message: String = "No such resource.") -> APIError {
        APIError(status: .notFound, code: "not_found", message: message)
    }
    static let internalError = APIError(status: .internalServerError, code: "internal_error",
                                        message: "Something went wrong on our side; the request can be retried.")
}

/// Maps anything thrown below it into the API's error shape, so no caller ever sees another format or a
/// stack of framework text. Unexpected errors are logged with the request id and answered as 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowed: AllowedMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            let api: APIError
            switch error.status {
            case .notFound:
                if let methods = allowed.methods(for: request.uri.path), !methods.contains(request.method.rawValue) {
                    api = APIError(status: .methodNotAllowed, code: "method_not_allowed",
                                   message: "\(request.method.rawValue) is not allowed here; use \(methods.joined(separator: " or ")).",
                                   headers: [.allow: methods.joined(separator: ", ")])
                } else {
                    api = .notFound()
                }
            case .methodNotAllowed: api = APIError(status: .methodNotAllowed, code: "method_not_allowed", message: "This method is not allowed here.")
            case .contentTooLarge: api = APIError(status: .contentTooLarge, code: "request_too_large", message: "The request body is too large.")
            case .badRequest: api = .invalidJSON(error.body ?? "The request is malformed.")
            default: api = APIError(status: error.status, code: error.status.code >= 500 ? "internal_error" : "bad_request",
                                    message: error.body ?? error.status.reasonPhrase)
            }
            var headers = error.headers
            headers.append(contentsOf: api.headers)
            return try APIError(status: api.status, code: api.code, message: api.message, param: api.param, headers: headers)
                .response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return try APIError.internalError.response(from: request, context: context)
        }
    }
}
