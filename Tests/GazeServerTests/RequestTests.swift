import Foundation
import GazeTestSupport
import Testing
@testable import GazeServer

/// What the API answers to requests, right and wrong, before any video work matters.
@Suite(.serialized) struct RequestTests {
    static let invalidBodies: [(body: String, code: String, param: String?)] = [
        ("", "invalid_json", nil),
        ("{not json", "invalid_json", nil),
        ("[1, 2]", "invalid_json", nil),
        ("{}", "parameter_missing", "source_url"),
        (#"{"source_url": null}"#, "parameter_missing", "source_url"),
        (#"{"source_url": 42}"#, "parameter_invalid", "source_url"),
        (#"{"source_url": ""}"#, "parameter_invalid", "source_url"),
        (#"{"source_url": "ftp://example.com/a.mp4"}"#, "parameter_invalid", "source_url"),
        (#"{"source_url": "not a url"}"#, "parameter_invalid", "source_url"),
        (#"{"source_url": "https://example.com/\#(String(repeating: "a", count: 2100))"}"#, "parameter_invalid", "source_url"),
        (#"{"source_url": "https://example.com/a.mp4", "intensity": 1.5}"#, "parameter_invalid", "intensity"),
        (#"{"source_url": "https://example.com/a.mp4", "intensity": -0.1}"#, "parameter_invalid", "intensity"),
        (#"{"source_url": "https://example.com/a.mp4", "intensity": "0.5"}"#, "parameter_invalid", "intensity"),
        (#"{"source_url": "https://example.com/a.mp4", "intensity": true}"#, "parameter_invalid", "intensity"),
        (#"{"source_url": "https://example.com/a.mp4", "metadata": "x"}"#, "parameter_invalid", "metadata"),
        (#"{"source_url": "https://example.com/a.mp4", "metadata": {"a": 1}}"#, "parameter_invalid", "metadata"),
        (#"{"source_url": "https://example.com/a.mp4", "metadata": {"\#(String(repeating: "k", count: 41))": "v"}}"#, "parameter_invalid", "metadata"),
        (#"{"source_url": "https://example.com/a.mp4", "metadata": {"k": "\#(String(repeating: "v", count: 501))"}}"#, "parameter_invalid", "metadata"),
        (#"{"source_url": "https://example.com/a.mp4", "metadata": {\#((0..<51).map { "\"k\($0)\": \"v\"" }.joined(separator: ", "))}}"#, "parameter_invalid", "metadata"),
        (#"{"source_url": "https://example.com/a.mp4", "webhook_url": "mailto:a@b.c"}"#, "parameter_invalid", "webhook_url"),
        (#"{"source_url": "https://example.com/a.mp4", "webhook_url": 7}"#, "parameter_invalid", "webhook_url"),
        (#"{"source_url": "https://example.com/a.mp4", "colour": "red"}"#, "parameter_unknown", "colour"),
    ]

    @Test func badBodiesAreRefusedNamingTheParameter() async throws {
        try await withServer { server, _ in
            let api = APIClient(baseURL: server.baseURL, token: try await server.workspace().token)
            for (body, code, param) in Self.invalidBodies {
                let response = try await api.submit(body)
                #expect(response.status == 400, "\(body.prefix(80))")
                #expect(response.errorCode == code, "\(body.prefix(80))")
                #expect(response.errorParam == param, "\(body.prefix(80))")
            }
            // Nothing was created by any of them.
            #expect((try await api.send(.GET, "/v1/jobs").json["data"] as? [Any])?.isEmpty == true)
            // Edge values that are allowed.
            let ok = try await api.submit(#"{"source_url": "http://127.0.0.1:9/a.mp4", "intensity": 0, "webhook_url": null, "metadata": {}}"#)
            #expect(ok.status == 201)
            #expect((ok.json["metadata"] as? [String: String]) == [:])
        }
    }

    @Test func tokensAndWorkspacesAreEnforced() async throws {
        try await withServer { server, _ in
            let (_, tokenA) = try await server.workspace("A")
            let (_, tokenB) = try await server.workspace("B")
            let a = APIClient(baseURL: server.baseURL, token: tokenA)
            let b = APIClient(baseURL: server.baseURL, token: tokenB)
            for client in [APIClient(baseURL: server.baseURL, token: nil), APIClient(baseURL: server.baseURL, token: "gz_wrong")] {
                let response = try await client.send(.GET, "/v1/jobs")
                #expect(response.status == 401)
                #expect(response.errorCode == "unauthorized")
                #expect(try await client.submit(#"{"source_url": "http://127.0.0.1:9/a.mp4"}"#).status == 401)
            }
            let id = try #require(try await a.submit(#"{"source_url": "http://127.0.0.1:9/a.mp4"}"#).json["id"] as? String)
            #expect(try await b.send(.GET, "/v1/jobs/\(id)").status == 404)
            #expect(try await b.send(.POST, "/v1/jobs/\(id)/cancel").status == 404)
            #expect((try await b.send(.GET, "/v1/jobs").json["data"] as? [Any])?.isEmpty == true)
            #expect(try await a.send(.GET, "/v1/jobs/\(id)").status == 200)
            #expect(try await a.send(.GET, "/v1/jobs/task_nope").errorCode == "not_found")
            #expect(try await a.send(.GET, "/v1/nothing-here", checkDocument: false).errorCode == "not_found")
            let wrongMethod = try await a.send(.DELETE, "/v1/jobs/\(id)", checkDocument: false)
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers["allow"] == "GET")
            // The token is stored only as a hash.
            let db = try Database.open(path: server.data.appendingPathComponent("gaze.sqlite").path)
            let stored = try await db.read { db in try String.fetchAll(db, sql: "SELECT hash FROM tokens") }
            #expect(!stored.contains(tokenA) && stored.contains(Secrets.tokenHash(tokenA)))
        }
    }

    @Test func idempotencyKeysReplayConflictAndStayInTheirWorkspace() async throws {
        try await withServer { server, _ in
            let (workspace, token) = try await server.workspace()
            let api = APIClient(baseURL: server.baseURL, token: token)
            let body = #"{"source_url": "http://127.0.0.1:9/a.mp4", "metadata": {"a": "1"}, "intensity": 0.5}"#
            let first = try await api.submit(body, key: "key-1")
            #expect(first.status == 201)
            // Same request, other spacing and key order: a replay of the same job.
            let replay = try await api.submit(#"{"intensity":0.5,"metadata":{"a":"1"},"source_url":"http://127.0.0.1:9/a.mp4"}"#, key: "key-1")
            #expect(replay.status == 200)
            #expect(replay.headers["idempotent-replayed"] == "true")
            #expect(replay.json["id"] as? String == first.json["id"] as? String)
            let reused = try await api.submit(#"{"source_url": "http://127.0.0.1:9/b.mp4"}"#, key: "key-1")
            #expect(reused.status == 422)
            #expect(reused.errorCode == "idempotency_key_reused")
            // A key whose first request is still being handled.
            let request = try CreateTaskRequest(json: Data(body.utf8))
            let db = try Database.open(path: server.data.appendingPathComponent("gaze.sqlite").path)
            let store = JobStore(db: db, presenter: JobPresenter(publicURL: PublicURL(""), signer: URLSigner(key: .init(size: .bits256)), urlLifetime: 60))
            #expect(try await store.claim(key: "key-2", workspace: workspace, requestHash: request.fingerprint) == .proceed)
            let inFlight = try await api.submit(body, key: "key-2")
            #expect(inFlight.status == 409)
            #expect(inFlight.errorCode == "idempotency_key_in_use")
            // Another workspace may use the same key for its own job.
            let other = APIClient(baseURL: server.baseURL, token: try await server.workspace("other").token)
            let theirs = try await other.submit(body, key: "key-1")
            #expect(theirs.status == 201)
            #expect(theirs.json["id"] as? String != first.json["id"] as? String)
            // A refused request does not use the key up.
            #expect(try await api.submit(#"{"source_url": 1}"#, key: "key-3").status == 400)
            #expect(try await api.submit(body, key: "key-3").status == 201)
            #expect(try await api.submit(body, key: String(repeating: "k", count: 256)).status == 400)
        }
    }

    @Test func concurrentSubmissionsWithOneKeyMakeOneJob() async throws {
        try await withServer { server, _ in
            let api = APIClient(baseURL: server.baseURL, token: try await server.workspace().token)
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await api.submit(#"{"source_url": "http://127.0.0.1:9/a.mp4"}"#, key: "burst")
                        return (response.status, response.json["id"] as? String)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0.0 == 201 }.count == 1)
            #expect(statuses.allSatisfy { [200, 201, 409].contains($0.0) })
            #expect(Set(statuses.compactMap(\.1)).count == 1)
            #expect((try await api.send(.GET, "/v1/jobs").json["data"] as? [Any])?.count == 1)
        }
    }

    @Test func listingPagesNewestFirstAndFiltersByStatus() async throws {
        try await withServer { server, _ in
            let api = APIClient(baseURL: server.baseURL, token: try await server.workspace().token)
            var ids: [String] = []
            for index in 0..<5 {
                ids.append(try #require(try await api.submit(#"{"source_url": "http://127.0.0.1:9/\#(index).mp4"}"#).json["id"] as? String))
            }
            _ = try await api.send(.POST, "/v1/jobs/\(ids[1])/cancel")
            let page1 = try await api.send(.GET, "/v1/jobs?limit=2").json
            #expect((page1["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[4], ids[3]])
            #expect(page1["has_more"] as? Bool == true)
            let page3 = try await api.send(.GET, "/v1/jobs?limit=2&starting_after=\(ids[2])").json
            #expect((page3["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[1], ids[0]])
            #expect(page3["has_more"] as? Bool == false)
            let cancelled = try await api.send(.GET, "/v1/jobs?status=cancelled").json
            #expect((cancelled["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[1]])
            #expect(try await api.send(.GET, "/v1/jobs?limit=0").errorParam == "limit")
            #expect(try await api.send(.GET, "/v1/jobs?limit=101").errorParam == "limit")
            #expect(try await api.send(.GET, "/v1/jobs?status=done").errorParam == "status")
            #expect(try await api.send(.GET, "/v1/jobs?starting_after=x").errorParam == "starting_after")
        }
    }

    @Test func aFullQueueAnswers429WithRetryAfter() async throws {
        try await withServer(configure: { $0.queueCapacity = 2; $0.downloads = 1 }) { server, host in
            let api = APIClient(baseURL: server.baseURL, token: try await server.workspace().token)
            let body = #"{"source_url": "\#(host.url("/slow/v02_small.mp4"))"}"#
            #expect(try await api.submit(body).status == 201)
            #expect(try await api.submit(body).status == 201)
            let refused = try await api.submit(body, key: "late")
            #expect(refused.status == 429)
            #expect(refused.errorCode == "queue_full")
            #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 > 0)
        }
    }

    static let privateURLs = [
        "http://127.0.0.1/a.mp4", "http://localhost/a.mp4", "http://10.0.0.8/a.mp4", "http://192.168.1.1/a.mp4",
        "http://172.16.0.1/a.mp4", "http://169.254.169.254/latest/meta-data", "http://[::1]/a.mp4",
        "http://[::ffff:127.0.0.1]/a.mp4", "http://[fd00::1]/a.mp4", "http://[fe80::1]/a.mp4", "http://0.0.0.0/a.mp4",
        "http://2130706433/a.mp4", "http://0x7f000001/a.mp4", "http://0177.0.0.1/a.mp4", "http://127.1/a.mp4",
        "http://224.0.0.1/a.mp4", "http://100.64.0.1/a.mp4", "http://[::]/a.mp4",
    ]

    @Test func privateAddressesAreRefusedUnlessAllowed() async throws {
        try await withServer(configure: { $0.allowPrivateURLs = false }) { server, _ in
            let api = APIClient(baseURL: server.baseURL, token: try await server.workspace().token)
            for url in Self.privateURLs {
                let source = try await api.submit(#"{"source_url": "\#(url)"}"#)
                #expect(source.status == 400, "\(url)")
                #expect(source.errorParam == "source_url", "\(url)")
                let hook = try await api.submit(#"{"source_url": "https://93.184.215.14/a.mp4", "webhook_url": "\#(url)"}"#)
                #expect(hook.errorParam == "webhook_url", "\(url)")
                #expect(try await api.send(.PUT, "/v1/webhook-endpoint", json: #"{"url": "\#(url)"}"#).errorParam == "url", "\(url)")
            }
            #expect(try await api.submit(#"{"source_url": "https://93.184.215.14/a.mp4"}"#).status == 201)
        }
    }

    @Test func theWebhookEndpointIsReadAndReplaced() async throws {
        try await withServer { server, _ in
            let api = APIClient(baseURL: server.baseURL, token: try await server.workspace().token)
            let initial = try await api.send(.GET, "/v1/webhook-endpoint").json
            #expect(initial["url"] is NSNull)
            let secret = try #require(initial["secret"] as? String)
            #expect(secret.hasPrefix("whsec_") && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
            let set = try await api.send(.PUT, "/v1/webhook-endpoint", json: #"{"url": "https://hooks.example.com/in"}"#).json
            #expect(set["url"] as? String == "https://hooks.example.com/in")
            #expect(set["secret"] as? String == secret)
            #expect(try await api.send(.PUT, "/v1/webhook-endpoint", json: #"{}"#).errorCode == "parameter_missing")
            #expect(try await api.send(.PUT, "/v1/webhook-endpoint", json: #"{"url": null, "x": 1}"#).errorCode == "parameter_unknown")
            #expect(try await api.send(.PUT, "/v1/webhook-endpoint", json: #"{"url": null}"#).json["url"] is NSNull)
        }
    }

    @Test func theServedDocumentIsTheOneCheckedAndCoversEveryRoute() async throws {
        try await withServer { server, _ in
            let api = APIClient(baseURL: server.baseURL, token: try await server.workspace().token)
            let served = try await api.send(.GET, "/openapi.json")
            let bundled = try Data(contentsOf: packageRoot().appendingPathComponent("Sources/GazeServer/openapi.json"))
            #expect(served.body == bundled)
            #expect(try await api.send(.GET, "/healthz").json["status"] as? String == "ok")
            let metrics = try await api.send(.GET, "/metrics")
            let text = String(decoding: metrics.body, as: UTF8.self)
            for name in ["gaze_jobs{status=\"queued\"}", "gaze_queue_depth", "gaze_webhook_failures_total", "gaze_stage_duration_seconds"] {
                #expect(text.contains(name), "\(name) missing from /metrics")
            }
            // Every documented operation is routed (a wrong id gives the documented 404, not an unknown route).
            for (method, template) in APIClient.document.operations {
                let path = template.replacingOccurrences(of: "{id}", with: "task_01ARZ3NDEKTSV4RRFFQ69G5FAV")
                let response = try await api.send(.init(rawValue: method.uppercased()), path,
                                                  json: method.uppercased() == "GET" || method.uppercased() == "HEAD" ? nil : "{}")
                #expect(response.status != 405 && response.status < 500, "\(method) \(template) → \(response.status)")
            }
        }
    }
}
