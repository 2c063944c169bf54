// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A failure reported by, or on the way to, speexdsp: a bad setting, a refused control request or a
/// resampler error, with a message that says what to change.
public struct SpeexDSPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is. A struct over a private enum, so kinds can be added later.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidArgument, outOfMemory, controlRejected, resampler
        }
        private let value: Value

        /// A parameter is outside what speexdsp accepts (frame size, rate, quality, filter length).
        public static let invalidArgument = Kind(value: .invalidArgument)
        /// speexdsp could not allocate its state.
        public static let outOfMemory = Kind(value: .outOfMemory)
        /// A `speex_*_ctl` request was refused (the library returned -1).
        public static let controlRejected = Kind(value: .controlRejected)
        /// `speex_resampler_*` returned an error code (see ``SpeexDSPError/resamplerCode``).
        public static let resampler = Kind(value: .resampler)

        public var description: String { "\(value)" }
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// Human-readable explanation, naming the fix where there is one.
    public var message: String
    /// The `RESAMPLER_ERR_*` code behind a ``Kind/resampler`` failure.
    public var resamplerCode: Int?

    /// Creates an error of `kind` with a message for the user.
    public init(_ kind: Kind, _ message: String, resamplerCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.resamplerCode = resamplerCode
    }

    public var description: String { message }
}
