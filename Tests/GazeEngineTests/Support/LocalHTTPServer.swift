import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server on 127.0.0.1 (ephemeral port) for tests that download sources or receive uploads.
///
/// Requests are answered from the routes (GET of an unknown path: 404). A PUT to a path without a route is
/// accepted with 201 and its body recorded in ``uploads``. Every response closes its connection, which keeps
/// the server simple and client connection pools honest.
///
///     try await LocalHTTPServer.with(routes: ["/clip.mp4": .file(fixtureURL)]) { server in
///         let source = server.url("/clip.mp4")
///     }
final class LocalHTTPServer: Sendable {
    /// How the server answers one path.
    enum Route: Sendable {
        /// The file's bytes, with `Content-Length` and `Content-Type: video/mp4`.
        case file(URL)
        /// In-memory bytes, sent chunked (no `Content-Length`).
        case chunked(Data)
        /// An empty answer with this status code, for any method (a PUT body is read and dropped).
        case status(Int)
        /// A 302 to `location` (a path on this server or an absolute URL).
        case redirect(to: String)
        /// Sends the head with `Content-Length: declaredLength` and `prefix`, then never finishes.
        case stall(declaredLength: Int, prefix: Data)
    }

    private struct State {
        var routes: [String: Route]
        var uploads: [String: Data] = [:]
        var requestHeaders: [String: [(String, String)]] = [:]
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state: NIOLockedValueBox<State>
    /// `http://127.0.0.1:<port>`.
    let baseURL: URL

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, state: NIOLockedValueBox<State>) throws {
        guard let port = channel.localAddress?.port, let url = URL(string: "http://127.0.0.1:\(port)") else {
            throw ChannelError.unknownLocalAddress
        }
        self.group = group
        self.channel = channel
        self.state = state
        self.baseURL = url
    }

    /// Binds a new server on an ephemeral port; call ``shutdown()`` when done (or use ``with(routes:_:)``).
    static func start(routes: [String: Route] = [:]) async throws -> LocalHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let state = NIOLockedValueBox(State(routes: routes))
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(Handler(state: state))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            return try LocalHTTPServer(group: group, channel: channel, state: state)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Runs `body` with a started server and shuts it down afterwards, also when `body` throws.
    static func with<T>(
        routes: [String: Route] = [:], _ body: (LocalHTTPServer) async throws -> T
    ) async throws -> T {
        let server = try await start(routes: routes)
        do {
            let result = try await body(server)
            try await server.shutdown()
            return result
        } catch {
            try? await server.shutdown()
            throw error
        }
    }

    /// Closes the listener and every open connection.
    func shutdown() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }

    /// The absolute URL of `path` (which starts with "/") on this server.
    func url(_ path: String) -> URL { baseURL.appending(path: path) }

    /// Adds or replaces the route for `path`.
    func setRoute(_ route: Route?, for path: String) { state.withLockedValue { $0.routes[path] = route } }

    /// Makes `path` redirect `hops` times (via `path/1`, `path/2`, ...) before landing on `target`.
    func addRedirectChain(from path: String, hops: Int, to target: String) {
        let stops = [path] + (1..<max(hops, 1)).map { "\(path)/\($0)" } + [target]
        for index in 0..<hops { setRoute(.redirect(to: stops[index + 1]), for: stops[index]) }
    }

    /// Bodies received by PUT, by path.
    var uploads: [String: Data] { state.withLockedValue { $0.uploads } }

    /// Headers of the last request to `path` (names as sent), for checking what a client sent.
    func lastRequestHeaders(_ path: String) -> [(String, String)]? {
        state.withLockedValue { $0.requestHeaders[path] }
    }

    /// Serves one connection; lives on its channel's event loop only.
    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let state: NIOLockedValueBox<State>
        private var head: HTTPRequestHead?
        private var body = Data()

        init(state: NIOLockedValueBox<State>) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = Data()
            case .body(let buffer):
                body.append(contentsOf: buffer.readableBytesView)
            case .end:
                guard let head else { return }
                self.head = nil
                respond(to: head, context: context)
            }
        }

        private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            let route = state.withLockedValue { state in
                state.requestHeaders[path] = head.headers.map { ($0.name, $0.value) }
                return state.routes[path]
            }
            if head.method == .PUT, route == nil {
                let received = body
                state.withLockedValue { $0.uploads[path] = received }
                return send(.created, context: context)
            }
            switch route {
            case nil: send(.notFound, context: context)
            case .status(let code): send(HTTPResponseStatus(statusCode: code), context: context)
            case .redirect(let location): send(.found, headers: [("Location", location)], context: context)
            case .file(let url):
                guard let data = try? Data(contentsOf: url) else { return send(.internalServerError, context: context) }
                send(.ok, headers: [("Content-Type", "video/mp4")], body: data, context: context)
            case .chunked(let data):
                var headers = HTTPHeaders([("Transfer-Encoding", "chunked"), ("Connection", "close")])
                headers.add(name: "Content-Type", value: "application/octet-stream")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                // Several body parts, so the client sees a stream rather than one buffer.
                for start in stride(from: 0, to: data.count, by: 4096) {
                    let part = data[start..<min(start + 4096, data.count)]
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: part)))), promise: nil)
                }
                closeAfter(context.writeAndFlush(wrapOutboundOut(.end(nil))), context: context)
            case .stall(let declaredLength, let prefix):
                let headers = HTTPHeaders([("Content-Length", String(declaredLength))])
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: prefix)))), promise: nil)
            }
        }

        private func send(
            _ status: HTTPResponseStatus, headers extra: [(String, String)] = [], body: Data = Data(),
            context: ChannelHandlerContext
        ) {
            var headers = HTTPHeaders(extra)
            headers.add(name: "Content-Length", value: String(body.count))
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            if !body.isEmpty { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil) }
            closeAfter(context.writeAndFlush(wrapOutboundOut(.end(nil))), context: context)
        }

        private func closeAfter(_ write: EventLoopFuture<Void>, context: ChannelHandlerContext) {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            write.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }
}
