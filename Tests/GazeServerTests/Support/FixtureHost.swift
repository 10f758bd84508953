import Foundation
import GazeTestSupport
import HTTPTypes
import Hummingbird
import Synchronization

/// A local HTTP server standing in for the customer's side: it serves source videos and receives webhooks.
///
/// - `GET /files/NAME` serves `Fixtures/derived/NAME` or `Fixtures/NAME`; `GET /missing` answers 404;
///   `GET /slow/NAME` serves only after `slowDelay`, or once `stop()` releases it.
/// - `POST /hooks` records each delivery (headers and body) and answers with the next of `hookStatuses`
///   (200 once they run out); `POST /redirect-hook` answers 307 to `/hooks`.
final class FixtureHost: Sendable {
    struct Delivery: Sendable {
        var headers: [String: String]
        var body: Data
        var type: String? {
            (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["type"] as? String
        }
        var job: [String: Any] {
            ((try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["data"] as? [String: Any]) ?? [:]
        }
    }

    private let state = Mutex<(deliveries: [Delivery], statuses: [Int])>(([], []))
    let slowDelay: Duration
    private let started = Mutex<LiveService?>(nil)
    private let released = Mutex(false)

    private init(slowDelay: Duration) { self.slowDelay = slowDelay }

    static func start(slowDelay: Duration = .seconds(60)) async throws -> FixtureHost {
        let host = FixtureHost(slowDelay: slowDelay)
        let service = try await LiveService.start { onRunning in
            Application(router: host.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) })
        }
        host.started.withLock { $0 = service }
        return host
    }

    private var service: LiveService? { started.withLock { $0 } }

    func url(_ path: String) -> String { (service?.baseURL ?? "http://127.0.0.1:1") + path }
    func stop() async {
        released.withLock { $0 = true }  // slow answers go out now, so the graceful stop does not wait for them
        await service?.stop()
    }

    var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    /// The next webhook answers, in order.
    func answerHooks(with statuses: [Int]) { state.withLock { $0.statuses = statuses } }

    /// Waits until a delivery of `type` (and about `job`, if given) arrived.
    func waitForDelivery(_ type: String, job: String? = nil, timeout: Duration = .seconds(60)) async throws -> Delivery {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = deliveries.first(where: { $0.type == type && (job == nil || $0.job["id"] as? String == job) }) {
                return found
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestMediaError(description: "no \(type) webhook within \(timeout)")
    }

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        let fileIO = FileIO()
        router.get("files/:name") { _, context in try await self.file(context, fileIO) }
        router.get("slow/:name") { _, context in
            let deadline = ContinuousClock.now + self.slowDelay
            while !self.released.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            return try await self.file(context, fileIO)
        }
        router.get("missing") { _, _ in Response(status: .notFound) }
        router.post("hooks") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let status = self.state.withLock { state in
                state.deliveries.append(Delivery(headers: headers, body: Data(buffer: body)))
                return state.statuses.isEmpty ? 200 : state.statuses.removeFirst()
            }
            return Response(status: .init(code: status))
        }
        router.post("redirect-hook") { _, _ in Response(status: .temporaryRedirect, headers: [.location: "/hooks"]) }
        return router
    }

    private func file(_ context: BasicRequestContext, _ fileIO: FileIO) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        let derived = try? derivedFixture(name)
        let path = derived?.path ?? fixture(name).path
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue else {
            return Response(status: .notFound)
        }
        return Response(status: .ok, headers: [.contentType: "video/mp4", .contentLength: String(size)],
                        body: try await fileIO.loadFile(path: path, context: context))
    }
}
