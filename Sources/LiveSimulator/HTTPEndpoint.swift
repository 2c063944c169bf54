// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization

/// What was decided about one HTTP request before the upgrade: shared by the upgrader's callbacks and the
/// handler that answers requests that are not upgraded.
final class RequestDecision: Sendable {
    struct Value {
        var connectionID: Int
        var status: HTTPResponseStatus?
        var apiVersion: String
        var authorized: Bool
    }

    let value = Mutex<Value?>(nil)
}

enum HTTPEndpoint {
    /// Sets up a freshly accepted channel: HTTP/1.1 with the WebSocket upgrader on the Live API paths, and
    /// a plain HTTP answer (404, or a refusal fault's status) for everything else.
    static func configure(channel: any Channel, core: SimulatorCore) throws {
        let decision = RequestDecision()
        let upgrader = NIOTypedWebSocketServerUpgrader<Void>(
            maxFrameSize: core.configuration.maxClientFrameSize,
            shouldUpgrade: { channel, head in
                channel.eventLoop.makeSucceededFuture(shouldUpgrade(head, core: core, decision: decision))
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    guard let value = decision.value.withLock({ $0 }) else { return }
                    core.update(value.connectionID) { $0.upgraded = true }
                    core.logger.info("connection \(value.connectionID): WebSocket open")
                    let handlers: [any ChannelHandler] = [
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 100_000,
                            maxAccumulatedFrameSize: core.configuration.maxClientFrameSize),
                        LiveConnectionHandler(
                            core: core, connectionID: value.connectionID, apiVersion: value.apiVersion,
                            authorized: value.authorized),
                    ]
                    try channel.pipeline.syncOperations.addHandlers(handlers)
                }
            })
        let configuration = NIOUpgradableHTTPServerPipelineConfiguration(
            upgradeConfiguration: NIOTypedHTTPServerUpgradeConfiguration<Void>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(PlainHTTPResponder(core: core, decision: decision))
                    }
                }))
        _ = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
    }

    /// Records the request and decides: upgrade (returns headers) or refuse (returns nil, status stored).
    private static func shouldUpgrade(_ head: HTTPRequestHead, core: SimulatorCore, decision: RequestDecision) -> HTTPHeaders? {
        let (path, query) = splitURI(head.uri)
        let headers = head.headers.map { HeaderField(name: $0.name, value: $0.value) }
        let id = core.newConnection(path: path, query: query, headers: headers)
        var status: HTTPResponseStatus?
        let version = Endpoint.apiVersion(ofPath: path)
        if version == nil {
            status = .notFound
        } else if let fault = core.takeFaults(at: .upgrade).first, case .refuseUpgrade(let code) = fault {
            status = HTTPResponseStatus(statusCode: code)
        }
        let queryKey = ConnectionRecord(id: id, path: path, query: query, headers: headers, upgraded: false).queryItem("key")
        let authorized = Endpoint.isAuthorized(headers: headers, queryKey: queryKey, configuration: core.configuration)
        decision.value.withLock {
            $0 = RequestDecision.Value(connectionID: id, status: status, apiVersion: version ?? "", authorized: authorized)
        }
        if let status {
            core.update(id) { $0.httpStatus = Int(status.code) }
            core.logger.info("request \(id) for \(path): refused with \(status.code)")
            return nil
        }
        return HTTPHeaders()
    }

    static func splitURI(_ uri: String) -> (path: String, query: String?) {
        guard let question = uri.firstIndex(of: "?") else { return (uri, nil) }
        return (String(uri[..<question]), String(uri[uri.index(after: question)...]))
    }
}

/// Answers a request that was not upgraded: 404 for unknown paths, 426 for a Live API path asked without
/// an upgrade, or the status a refusal fault chose. The body is a Google-style JSON error.
final class PlainHTTPResponder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let core: SimulatorCore
    private let decision: RequestDecision
    private var status = HTTPResponseStatus.notFound

    init(core: SimulatorCore, decision: RequestDecision) {
        self.core = core
        self.decision = decision
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let decided = decision.value.withLock({ $0 }), let decidedStatus = decided.status {
                status = decidedStatus
            } else {
                // No upgrade was asked for: record the request here.
                let (path, query) = HTTPEndpoint.splitURI(head.uri)
                let headers = head.headers.map { HeaderField(name: $0.name, value: $0.value) }
                let id = core.newConnection(path: path, query: query, headers: headers)
                status = Endpoint.apiVersion(ofPath: path) == nil ? .notFound : .upgradeRequired
                let code = Int(status.code)
                core.logger.info("request \(id) for \(path) without an upgrade: answered \(code)")
                core.update(id) {
                    $0.httpStatus = code
                    $0.isOpen = false
                }
            }
        case .body:
            break
        case .end:
            // The upgrade handler may pass on only the end of a request it already examined.
            if let decided = decision.value.withLock({ $0 }), let decidedStatus = decided.status {
                status = decidedStatus
            }
            let body = #"{"error":{"code":\#(status.code),"message":"\#(status.reasonPhrase)","status":"\#(statusName(status))"}}"#
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json; charset=UTF-8")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            if let decided = decision.value.withLock({ $0 }), decided.status != nil {
                core.update(decided.connectionID) { $0.isOpen = false }
            }
        }
    }

    private func statusName(_ status: HTTPResponseStatus) -> String {
        switch status.code {
        case 400: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404: "NOT_FOUND"
        case 429: "RESOURCE_EXHAUSTED"
        case 500: "INTERNAL"
        case 503: "UNAVAILABLE"
        default: "UNKNOWN"
        }
    }
}
