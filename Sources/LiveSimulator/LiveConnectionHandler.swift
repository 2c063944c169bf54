// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

import NIOCore
import NIOWebSocket

/// One upgraded WebSocket connection: records what arrives, feeds it to the ``SessionMachine`` and sends
/// what the machine decides through an outbound queue that can pace audio, be interrupted and carry faults.
///
/// Everything here runs on the channel's event loop; the simulator reaches it through ``ConnectionControl``.
final class LiveConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// A queued step of output.
    private enum Outgoing {
        /// A data message; `reply` marks content an interruption discards.
        case message(String, binary: Bool, reply: Bool, playMilliseconds: Int)
        /// Hold everything after this for a while (late `setupComplete`).
        case wait(TimeAmount)
        case close(code: UInt16, reason: String)
        /// Drop TCP without a CLOSE.
        case drop

        var isReply: Bool {
            if case .message(_, _, true, _) = self { return true }
            return false
        }
    }

    /// `open` → `closeSent` (our CLOSE went out, waiting for the client's) → `closed`.
    private enum CloseState {
        case open
        case closeSent
        case closed
    }

    private let core: SimulatorCore
    let connectionID: Int
    private var machine: SessionMachine
    private var context: ChannelHandlerContext?
    private var queue: [Outgoing] = []
    private var pumpTask: Scheduled<Void>?
    private var nextSendTime = NIODeadline.uptimeNanoseconds(0)
    private var lastWrite: EventLoopFuture<Void>?
    private var closeState = CloseState.open
    private var receivedCount = 0

    init(core: SimulatorCore, connectionID: Int, apiVersion: String, authorized: Bool) {
        self.core = core
        self.connectionID = connectionID
        self.machine = SessionMachine(core: core, connectionID: connectionID, apiVersion: apiVersion, authorized: authorized)
    }

    private var configuration: SimulatorConfiguration { core.configuration }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        core.register(
            connectionID,
            control: ConnectionControl(channel: context.channel, handler: NIOLoopBound(self, eventLoop: context.eventLoop)))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        core.logger.debug("connection \(connectionID): \(error); closing")
        context.close(promise: nil)
    }

    private func finish() {
        guard context != nil else { return }
        context = nil
        closeState = .closed
        machine.markClosed()
        pumpTask?.cancel()
        pumpTask = nil
        queue.removeAll()
        core.unregister(connectionID)
        core.update(connectionID) { $0.isOpen = false }
        core.logger.info("connection \(connectionID) ended")
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            var payload = frame.unmaskedData
            let bytes = payload.readBytes(length: payload.readableBytes) ?? []
            received(bytes, kind: frame.opcode == .text ? .text : .binary)
        case .ping:
            guard closeState == .open else { return }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            clientClosed(frame, context: context)
        default:
            break  // pongs; continuations never arrive (the aggregator joins fragments)
        }
    }

    private func received(_ bytes: [UInt8], kind: FrameKind) {
        let parsed: Result<WireValue, WireJSONError>
        do {
            parsed = .success(try WireValue.parse(bytes))
        } catch {
            parsed = .failure(error)
        }
        var key: String?
        if case .success(.object(let members)) = parsed { key = members.keys.sorted().first }
        let frame = ReceivedFrame(
            connectionID: connectionID, index: receivedCount, kind: kind, bytes: bytes, key: key,
            messageType: key.map(camelCased), json: try? parsed.get())
        receivedCount += 1
        core.update(connectionID) { $0.received.append(frame) }
        core.logger.debug("connection \(connectionID) ← \(frame.messageType ?? "non-JSON message") (\(bytes.count) bytes)")
        guard closeState == .open else { return }
        execute(machine.receive(parsed))
    }

    private func clientClosed(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        var data = frame.unmaskedData
        let code = data.readInteger(as: UInt16.self)
        let reason = data.readString(length: data.readableBytes) ?? ""
        core.update(connectionID) { $0.clientClose = CloseRecord(code: code, reason: reason) }
        machine.markClosed()
        switch closeState {
        case .open:
            // Echo the CLOSE (RFC 6455 §5.5.1) and end the connection once it is out.
            closeState = .closeSent
            queue.removeAll()
            pumpTask?.cancel()
            var echo = context.channel.allocator.buffer(capacity: 2)
            if let code { echo.writeInteger(code) }
            core.update(connectionID) { $0.serverClose = CloseRecord(code: code, reason: "") }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: echo)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .closeSent:
            context.close(promise: nil)
        case .closed:
            break
        }
    }

    // MARK: Session actions

    private func execute(_ actions: [SessionMachine.Action]) {
        for action in actions {
            switch action {
            case .setupComplete(let setupComplete):
                var steps: [Outgoing] = []
                var omit = false
                if let delay = configuration.setupCompleteDelay { steps.append(.wait(timeAmount(delay))) }
                for fault in core.takeFaults(at: .setup) {
                    switch fault {
                    case .close(let code, let reason, _):
                        machine.markClosed()
                        enqueue(steps + [.close(code: code, reason: reason)])
                        return
                    case .malformedFrame: steps.append(malformedMessage())
                    case .oversizedMessage(let size, _): steps.append(oversizedMessage(bytes: size))
                    case .delaySetupComplete(let delay): steps.append(.wait(timeAmount(delay)))
                    case .omitSetupComplete: omit = true
                    default: break
                    }
                }
                if !omit { steps.append(message(setupComplete, reply: false)) }
                enqueue(steps)
            case .reply(let planned):
                var steps: [Outgoing] = []
                var messages = planned.map { message($0.message, reply: true, playMilliseconds: $0.playMilliseconds) }
                for fault in core.takeFaults(at: .reply) {
                    switch fault {
                    case .close(let code, let reason, _):
                        machine.markClosed()
                        enqueue(steps + [.close(code: code, reason: reason)])
                        return
                    case .dropMidReply:
                        machine.markClosed()
                        messages = Array(messages.prefix(1)) + [.drop]
                    case .malformedFrame: steps.append(malformedMessage())
                    case .oversizedMessage(let size, _): steps.append(oversizedMessage(bytes: size))
                    default: break
                    }
                }
                enqueue(steps + messages)
            case .close(let code, let reason):
                enqueue([.close(code: code, reason: reason)])
            case .bargeIn:
                interruptReply(always: false, sendTurnComplete: false)
            }
        }
    }

    private func message(_ value: WireValue, reply: Bool, playMilliseconds: Int = 0) -> Outgoing {
        .message(value.serialized, binary: configuration.serverFramesAreBinary, reply: reply, playMilliseconds: playMilliseconds)
    }

    /// A frame that starts like a server message and breaks off: not JSON.
    private func malformedMessage() -> Outgoing {
        .message(#"{"serverContent": {"modelTurn": {"parts": [{"text": "trunc"#, binary: configuration.serverFramesAreBinary,
                 reply: false, playMilliseconds: 0)
    }

    /// A valid `modelTurn` text message of exactly `bytes` bytes (at least the empty message's size).
    private func oversizedMessage(bytes: Int) -> Outgoing {
        let prefix = #"{"serverContent":{"modelTurn":{"parts":[{"text":""#
        let suffix = #""}]}}}"#
        let filler = max(0, bytes - prefix.utf8.count - suffix.utf8.count)
        return .message(prefix + String(repeating: "x", count: filler) + suffix,
                        binary: configuration.serverFramesAreBinary, reply: false, playMilliseconds: 0)
    }

    // MARK: Outbound queue

    private func enqueue(_ steps: [Outgoing]) {
        guard closeState == .open else { return }
        queue.append(contentsOf: steps)
        if pumpTask == nil { pump() }
    }

    /// Sends queued steps until the queue is empty or pacing says wait.
    private func pump() {
        pumpTask = nil
        guard let context, closeState == .open else { return }
        var wrote = false
        while !queue.isEmpty {
            let now = NIODeadline.now()
            if nextSendTime > now {
                pumpTask = context.eventLoop.assumeIsolated().scheduleTask(deadline: nextSendTime) { self.pump() }
                break
            }
            let step = queue.removeFirst()
            switch step {
            case .message(let text, let binary, _, let play):
                write(text, binary: binary, context: context)
                wrote = true
                if configuration.realtimePacing && play > 0 {
                    nextSendTime = max(now, nextSendTime) + .milliseconds(Int64(play))
                }
            case .wait(let amount):
                nextSendTime = now + amount
            case .close(let code, let reason):
                sendClose(code: code, reason: reason, context: context)
                return
            case .drop:
                drop(context: context)
                return
            }
        }
        if wrote { context.flush() }
    }

    private func write(_ text: String, binary: Bool, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        let frame = WebSocketFrame(fin: true, opcode: binary ? .binary : .text, data: buffer)
        lastWrite = context.write(wrapOutboundOut(frame))
        let messageType: String?
        if let close = text.firstIndex(of: "\""), text.hasPrefix("{"),
            let end = text[text.index(after: close)...].firstIndex(of: "\"")
        {
            messageType = String(text[text.index(after: close)..<end])
        } else {
            messageType = nil
        }
        let sent = SentFrame(connectionID: connectionID, kind: binary ? .binary : .text, text: text, messageType: messageType)
        core.logger.debug("connection \(connectionID) → \(messageType ?? "non-JSON message") (\(text.utf8.count) bytes)")
        core.update(connectionID) { $0.sent.append(sent) }
    }

    private func sendClose(code: UInt16, reason: String, context: ChannelHandlerContext) {
        guard closeState == .open else { return }
        closeState = .closeSent
        machine.markClosed()
        queue.removeAll()
        let trimmed = truncatedUTF8(reason, maxBytes: 123)
        var buffer = context.channel.allocator.buffer(capacity: 2 + trimmed.utf8.count)
        buffer.writeInteger(code)
        buffer.writeString(trimmed)
        core.update(connectionID) { $0.serverClose = CloseRecord(code: code, reason: trimmed) }
        core.logger.info("connection \(connectionID): closing with \(code) \(trimmed)")
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: buffer)), promise: nil)
        // The client should answer with its CLOSE; drop TCP if it does not.
        let timeout = timeAmount(configuration.closeHandshakeTimeout)
        context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            self?.context?.close(promise: nil)
        }
    }

    private func drop(context: ChannelHandlerContext) {
        closeState = .closed
        machine.markClosed()
        queue.removeAll()
        core.update(connectionID) { $0.droppedByServer = true }
        core.logger.info("connection \(connectionID): dropping TCP without a close frame")
        context.flush()
        // Close once what was written is on the wire, so the first reply chunk arrives before the drop.
        if let lastWrite {
            lastWrite.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    /// Discards queued reply content; sends `interrupted` when something was discarded or `always`.
    private func interruptReply(always: Bool, sendTurnComplete: Bool) {
        guard let context, closeState == .open else { return }
        let hadReply = queue.contains { $0.isReply }
        queue.removeAll { $0.isReply }
        guard hadReply || always else { return }
        write(["serverContent": ["interrupted": true]] as WireValue, context: context)
        if sendTurnComplete { write(["serverContent": ["turnComplete": true]] as WireValue, context: context) }
        context.flush()
    }

    private func write(_ value: WireValue, context: ChannelHandlerContext) {
        write(value.serialized, binary: configuration.serverFramesAreBinary, context: context)
    }

    // MARK: Controls (called on the event loop through ConnectionControl)

    private func requireOpen() throws -> ChannelHandlerContext {
        guard let context, closeState == .open else {
            throw SimulatorError(.connectionClosing, "connection \(connectionID) is closing; nothing more can be sent on it")
        }
        return context
    }

    /// Sends `text` at once (ahead of any paced reply still queued).
    func controlSend(_ text: String, binary: Bool?) throws {
        let context = try requireOpen()
        write(text, binary: binary ?? configuration.serverFramesAreBinary, context: context)
        context.flush()
    }

    func controlInterrupt(sendTurnComplete: Bool) throws {
        _ = try requireOpen()
        interruptReply(always: true, sendTurnComplete: sendTurnComplete)
    }

    func controlCancelToolCalls(_ ids: [String]) throws {
        let context = try requireOpen()
        machine.cancelCalls(ids)
        write(["toolCallCancellation": ["ids": .array(ids.map { .string($0) })]] as WireValue, context: context)
        context.flush()
    }

    func controlResumptionUpdate(handle: String?, resumable: Bool) throws -> String {
        let context = try requireOpen()
        let (message, issued) = machine.resumptionUpdate(handle: handle, resumable: resumable)
        if handle == nil { core.update(connectionID) { $0.issuedHandles.append(issued) } }
        write(message, context: context)
        context.flush()
        return issued
    }

    func controlClose(code: UInt16, reason: String) throws {
        let context = try requireOpen()
        sendClose(code: code, reason: reason, context: context)
    }

    func controlDrop() throws {
        let context = try requireOpen()
        drop(context: context)
    }

    /// The function call ids still waiting for a `toolResponse`.
    var pendingToolCallIDs: [String] { machine.pendingCalls.keys.sorted() }
}

/// `Duration` → NIO `TimeAmount`.
func timeAmount(_ duration: Duration) -> TimeAmount {
    let (seconds, attoseconds) = duration.components
    return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
}

/// At most `maxBytes` bytes of UTF-8, cut at a character boundary (close reasons are limited to 123 bytes).
func truncatedUTF8(_ text: String, maxBytes: Int) -> String {
    guard text.utf8.count > maxBytes else { return text }
    var result = ""
    for character in text {
        if result.utf8.count + String(character).utf8.count > maxBytes { break }
        result.append(character)
    }
    return result
}
