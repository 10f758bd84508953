import Crypto
import Foundation
import GazeEngine
import GazeTestSupport
import Testing

/// Whole jobs over real HTTP: a fixture host serves the source and receives the webhooks.
@Suite(.serialized) struct JobLifecycleTests {
    @Test func aJobRunsToCompletionWithSignedWebhooksAndASeekableOutput() async throws {
        try await withServer { server, host in
            let (workspace, token) = try await server.workspace()
            let api = APIClient(baseURL: server.baseURL, token: token)

            let endpoint = try await api.send(.PUT, "/v1/webhook-endpoint", json: #"{"url": "\#(host.url("/hooks"))"}"#)
            #expect(endpoint.status == 200)
            let secret = try #require(endpoint.json["secret"] as? String)

            let created = try await api.submit(#"{"source_url": "\#(host.url("/files/v02_small.mp4"))", "metadata": {"project_id": "proj_123"}, "intensity": 0.8}"#)
            #expect(created.status == 201)
            let id = try #require(created.json["id"] as? String)
            #expect(created.headers["location"] == "/v1/jobs/\(id)")
            #expect(created.json["workspace_id"] as? String == workspace)
            #expect(created.json["status"] as? String == "ingesting")

            let job = try await api.waitForEnd(of: id)
            #expect(job["status"] as? String == "completed")
            #expect(job["progress_percent"] as? Int == 100)
            #expect(job["completed_at"] is String)
            let output = try #require(job["output"] as? [String: Any])
            #expect(output["width"] as? Int == 640)
            #expect(output["height"] as? Int == 360)
            #expect(abs((output["duration"] as? Double ?? 0) - 2) < 0.2)

            // The signed URL serves a playable MP4, whole and by range; a tampered one is refused.
            let url = try #require(output["url"] as? String)
            let path = String(url.dropFirst(server.baseURL.count))
            let file = try await api.send(.GET, path)
            #expect(file.status == 200)
            #expect(file.headers["content-type"] == "video/mp4")
            #expect(file.body.count == output["size_bytes"] as? Int)
            let folder = try makeTemporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let saved = folder.appendingPathComponent("out.mp4")
            try file.body.write(to: saved)
            #expect(try await frameCount(saved) == (try await frameCount(try derivedFixture("v02_small.mp4"))))
            let part = try await api.send(.GET, path, headers: ["Range": "bytes=100-199"])
            #expect(part.status == 206)
            #expect(part.body == file.body[100..<200])
            #expect(part.headers["content-range"] == "bytes 100-199/\(file.body.count)")
            #expect(try await api.send(.GET, path, headers: ["Range": "bytes=\(file.body.count)-"]).status == 416)
            #expect(try await api.send(.GET, path.replacingOccurrences(of: "signature=", with: "signature=x")).errorCode == "signature_invalid")
            // Reading the job again signs the URL afresh: still valid.
            let again = try await api.send(.GET, "/v1/jobs/\(id)").json["output"] as? [String: Any]
            #expect(try await api.send(.GET, String((again?["url"] as? String ?? "").dropFirst(server.baseURL.count))).status == 200)

            // Webhooks: progress on stage changes, then completed; signed the Standard Webhooks way; metadata echoed.
            let completed = try await host.waitForDelivery("task.completed", job: id)
            #expect(completed.job["status"] as? String == "completed")
            #expect((completed.job["metadata"] as? [String: String]) == ["project_id": "proj_123"])
            let stages = host.deliveries.filter { $0.type == "task.progress" }.compactMap { $0.job["progress_stage"] as? String }
            #expect(stages.contains("compositing"))
            for delivery in host.deliveries {
                #expect(Self.verify(delivery, secret: secret), "bad signature on \(delivery.type ?? "?")")
                #expect(APIClient.document.webhookViolations(event: delivery.type ?? "", headers: delivery.headers, body: delivery.body).isEmpty)
            }
            // The source is gone once the job ended; the artifact stays.
            #expect(!FileManager.default.fileExists(atPath: server.data.appendingPathComponent("sources/\(id)").path))
        }
    }

    @Test func aMissingSourceFailsWithInvalidSourceAndATaskFailedWebhook() async throws {
        try await withServer { server, host in
            let (_, token) = try await server.workspace()
            let api = APIClient(baseURL: server.baseURL, token: token)

            let created = try await api.submit(#"{"source_url": "\#(host.url("/missing"))", "webhook_url": "\#(host.url("/hooks"))", "metadata": {"k": "v"}}"#)
            let id = try #require(created.json["id"] as? String)
            let job = try await api.waitForEnd(of: id)
            #expect(job["status"] as? String == "failed")
            let error = try #require(job["error"] as? [String: Any])
            #expect(error["code"] as? String == "invalid_source")
            #expect(error["message"] as? String == "Source URL returned 404.")
            #expect(job["output"] is NSNull)
            let failed = try await host.waitForDelivery("task.failed", job: id)
            #expect((failed.job["error"] as? [String: Any])?["code"] as? String == "invalid_source")
            #expect((failed.job["metadata"] as? [String: String]) == ["k": "v"])
        }
    }

    @Test func aFileThatIsNotAVideoFailsDuringIngest() async throws {
        try await withServer { server, host in
            let api = APIClient(baseURL: server.baseURL, token: try await server.workspace().token)
            let id = try #require(try await api.submit(#"{"source_url": "\#(host.url("/files/text.mp4"))"}"#).json["id"] as? String)
            let job = try await api.waitForEnd(of: id)
            #expect((job["error"] as? [String: Any])?["code"] as? String == "invalid_source")
        }
    }

    @Test func cancellingMidProcessingStopsTheEngineAndKeepsNothing() async throws {
        try await withServer { server, host in
            let api = APIClient(baseURL: server.baseURL, token: try await server.workspace().token)

            let created = try await api.submit(#"{"source_url": "\#(host.url("/files/v02_nvvfx_webcam_looking_sideways_1080p.mp4"))", "webhook_url": "\#(host.url("/hooks"))"}"#)
            let id = try #require(created.json["id"] as? String)
            try await api.waitFor(id, status: "processing")
            let cancelled = try await api.send(.POST, "/v1/jobs/\(id)/cancel")
            #expect(cancelled.status == 200)
            #expect(cancelled.json["status"] as? String == "cancelled")
            #expect(cancelled.json["completed_at"] is String)
            // Terminal now: a second cancel conflicts, and the job stays cancelled with no output.
            let again = try await api.send(.POST, "/v1/jobs/\(id)/cancel")
            #expect(again.status == 409)
            #expect(again.errorCode == "job_not_cancellable")
            _ = try await host.waitForDelivery("task.cancelled", job: id)
            try await Task.sleep(for: .seconds(1))
            let job = try await api.send(.GET, "/v1/jobs/\(id)").json
            #expect(job["status"] as? String == "cancelled")
            #expect(job["output"] is NSNull)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: server.data.appendingPathComponent("artifacts").path)
            #expect(leftovers.isEmpty, "left behind: \(leftovers)")
            #expect(!host.deliveries.contains { $0.type == "task.completed" })
        }
    }

    @Test func aJobInterruptedByAStopFinishesAfterTheNextStart() async throws {
        let host = try await FixtureHost.start()
        let first = try await TestServer.start()
        let (_, token) = try await first.workspace()
        let created = try await APIClient(baseURL: first.baseURL, token: token)
            .submit(#"{"source_url": "\#(host.url("/files/v02_nvvfx_webcam_looking_sideways_1080p.mp4"))"}"#)
        let id = try #require(created.json["id"] as? String)
        try await APIClient(baseURL: first.baseURL, token: token).waitFor(id, status: "processing")
        await first.stop()

        let second = try await TestServer.start(data: first.data)
        defer { Task { await second.stop(); await host.stop() } }
        let api = APIClient(baseURL: second.baseURL, token: token)
        let job = try await api.waitForEnd(of: id)
        #expect(job["status"] as? String == "completed")
        #expect((job["output"] as? [String: Any])?["width"] as? Int == 1920)
    }

    /// Checks a delivery's signature independently of the server's signer.
    static func verify(_ delivery: FixtureHost.Delivery, secret: String) -> Bool {
        guard let id = delivery.headers["webhook-id"], let timestamp = delivery.headers["webhook-timestamp"],
            let signatures = delivery.headers["webhook-signature"], let key = Data(base64Encoded: String(secret.dropFirst(6)))
        else { return false }
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(delivery.body)
        let expected = "v1," + Data(HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))).base64EncodedString()
        return signatures.split(separator: " ").contains { $0 == expected }
    }
}
