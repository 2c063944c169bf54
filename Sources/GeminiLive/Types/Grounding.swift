// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

public import JSON

/// Where a grounded reply came from (`types.GroundingMetadata`), sent in ``LiveServerContent`` when a
/// tool such as Google Search was used. The fields a client shows or logs are typed; the rest of the
/// proto (newer or rarely used parts) is skipped when decoding, like any unknown field.
public struct GroundingMetadata: Codable, Sendable, Hashable {
    /// The search queries the model ran.
    public var webSearchQueries: [String]?
    /// Queries sent to a retrieval tool.
    public var retrievalQueries: [String]?
    /// The sources the reply is grounded on.
    public var groundingChunks: [GroundingChunk]?
    /// Which parts of the reply each source supports.
    public var groundingSupports: [GroundingSupport]?
    /// The "Search suggestions" chip Google's terms ask clients to display with grounded replies.
    public var searchEntryPoint: SearchEntryPoint?
    /// Dynamic retrieval details (`googleSearchDynamicRetrievalScore`), as sent.
    public var retrievalMetadata: JSONValue?

    /// A value with the given fields.
    public init(webSearchQueries: [String]? = nil, retrievalQueries: [String]? = nil,
                groundingChunks: [GroundingChunk]? = nil, groundingSupports: [GroundingSupport]? = nil,
                searchEntryPoint: SearchEntryPoint? = nil, retrievalMetadata: JSONValue? = nil) {
        self.webSearchQueries = webSearchQueries
        self.retrievalQueries = retrievalQueries
        self.groundingChunks = groundingChunks
        self.groundingSupports = groundingSupports
        self.searchEntryPoint = searchEntryPoint
        self.retrievalMetadata = retrievalMetadata
    }
}

/// One source of a grounded reply: a web page, or a document from a retrieval tool.
public struct GroundingChunk: Codable, Sendable, Hashable {
    /// A web page.
    public var web: Source?
    /// A document from a retrieval tool.
    public var retrievedContext: Source?

    /// A value with the given fields.
    public init(web: Source? = nil, retrievedContext: Source? = nil) {
        self.web = web
        self.retrievedContext = retrievedContext
    }

    /// A web page or document: `uri` and `title` (plus `domain` for the web, `text` for retrieval).
    public struct Source: Codable, Sendable, Hashable {
        /// Its address.
        public var uri: String?
        /// A title.
        public var title: String?
        /// The site's domain.
        public var domain: String?
        /// Text.
        public var text: String?

        /// A value with the given fields.
        public init(uri: String? = nil, title: String? = nil, domain: String? = nil, text: String? = nil) {
            self.uri = uri
            self.title = title
            self.domain = domain
            self.text = text
        }
    }
}

/// A span of the reply and the sources (indices into ``GroundingMetadata/groundingChunks``) backing it.
public struct GroundingSupport: Codable, Sendable, Hashable {
    /// The span of the reply.
    public var segment: Segment?
    /// Indices into ``GroundingMetadata/groundingChunks``.
    public var groundingChunkIndices: [Int]?
    /// How sure the model is of each source.
    public var confidenceScores: [Double]?

    /// A value with the given fields.
    public init(segment: Segment? = nil, groundingChunkIndices: [Int]? = nil, confidenceScores: [Double]? = nil) {
        self.segment = segment
        self.groundingChunkIndices = groundingChunkIndices
        self.confidenceScores = confidenceScores
    }

    /// A part of the reply: byte offsets into one part's text, and the text itself.
    public struct Segment: Codable, Sendable, Hashable {
        /// Which part of the reply.
        public var partIndex: Int?
        /// Start of the span (a byte offset).
        public var startIndex: Int?
        /// End of the span (a byte offset).
        public var endIndex: Int?
        /// Text.
        public var text: String?

        /// A value with the given fields.
        public init(partIndex: Int? = nil, startIndex: Int? = nil, endIndex: Int? = nil, text: String? = nil) {
            self.partIndex = partIndex
            self.startIndex = startIndex
            self.endIndex = endIndex
            self.text = text
        }
    }
}

/// Google Search's suggestion chip: HTML to render, or an opaque blob (base64) for SDK renderers.
public struct SearchEntryPoint: Codable, Sendable, Hashable {
    /// HTML to render the chip.
    public var renderedContent: String?
    /// Opaque data for SDK renderers (base64).
    public var sdkBlob: String?

    /// A value with the given fields.
    public init(renderedContent: String? = nil, sdkBlob: String? = nil) {
        self.renderedContent = renderedContent
        self.sdkBlob = sdkBlob
    }
}
