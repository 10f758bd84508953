import AsyncHTTPClient
import Foundation
import GazeEngine
import NIOCore

/// Posts deliveries through `PinnedHTTP`: one hop to the checked address, no redirects, bodies ignored.
struct PinnedWebhookTransport: WebhookTransport {
    let policy: AddressPolicy

    func post(url: URL, headers: [(String, String)], body: Data, timeout: Duration) async throws -> Int {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: "GazeRedirect-Webhooks/1")
        request.body = .bytes(ByteBuffer(bytes: body))
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        return try await PinnedHTTP.execute(request, policy: policy, deadline: deadline) { response in
            // Read (and drop) a little of the answer so the connection ends cleanly; receivers' bodies are not used.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return Int(response.status.code)
        }
    }
}
