import AsyncHTTPClient
import Foundation
import GazeTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// One answer from the server, with its JSON body parsed.
struct APIResponse: Sendable {
    var status: Int
    /// Header names in lower case.
    var headers: [String: String]
    var body: Data

    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorParam: String? { (json["error"] as? [String: Any])?["param"] as? String }
}

/// Talks to the server under test over real HTTP, and checks every answer against the OpenAPI document.
struct APIClient: Sendable {
    static let document: OpenAPIDocument = {
        let url = packageRoot().appendingPathComponent("Sources/GazeServer/openapi.json")
        do { return try OpenAPIDocument(data: Data(contentsOf: url)) } catch { fatalError("openapi.json: \(error)") }
    }()

    let baseURL: String
    var token: String?

    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, json: String? = nil, headers: [String: String] = [:],
              checkDocument: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) async throws -> APIResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        let result = APIResponse(status: Int(response.status.code), headers: fields, body: Data(buffer: body))
        if checkDocument {
            let pathOnly = String(path.split(separator: "?", maxSplits: 1).first ?? "")
            let problems = Self.document.violations(method: method.rawValue, path: pathOnly, status: result.status,
                                                    headers: fields, body: result.body)
            #expect(problems.isEmpty, "\(method.rawValue) \(pathOnly) → \(result.status) does not match openapi.json: \(problems)",
                    sourceLocation: sourceLocation)
        }
        return result
    }

    /// Submits a gaze-redirect task.
    func submit(_ body: String, key: String? = nil) async throws -> APIResponse {
        try await send(.POST, "/v1/tasks/gaze-redirect", json: body, headers: key.map { ["Idempotency-Key": $0] } ?? [:])
    }

    /// Polls the job until it is terminal, checking that progress never goes back.
    func waitForEnd(of id: String, timeout: Duration = .seconds(120)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var lastPercent = 0
        while ContinuousClock.now < deadline {
            let job = try await send(.GET, "/v1/jobs/\(id)").json
            let percent = job["progress_percent"] as? Int ?? -1
            #expect(percent >= lastPercent, "progress went back from \(lastPercent) to \(percent)")
            lastPercent = max(lastPercent, percent)
            if let status = job["status"] as? String, ["completed", "failed", "cancelled"].contains(status) { return job }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestMediaError(description: "job \(id) did not finish within \(timeout)")
    }

    /// Polls until the job reaches `status`.
    func waitFor(_ id: String, status: String, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await send(.GET, "/v1/jobs/\(id)").json["status"] as? String == status { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestMediaError(description: "job \(id) never reached \(status)")
    }
}
