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
    public var web: Source?
    public var retrievedContext: Source?

    public init(web: Source? = nil, retrievedContext: Source? = nil) {
        self.web = web
        self.retrievedContext = retrievedContext
    }

    /// A web page or document: `uri` and `title` (plus `domain` for the web, `text` for retrieval).
    public struct Source: Codable, Sendable, Hashable {
        public var uri: String?
        public var title: String?
        public var domain: String?
        public var text: String?

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
    public var segment: Segment?
    public var groundingChunkIndices: [Int]?
    public var confidenceScores: [Double]?

    public init(segment: Segment? = nil, groundingChunkIndices: [Int]? = nil, confidenceScores: [Double]? = nil) {
        self.segment = segment
        self.groundingChunkIndices = groundingChunkIndices
        self.confidenceScores = confidenceScores
    }

    /// A part of the reply: byte offsets into one part's text, and the text itself.
    public struct Segment: Codable, Sendable, Hashable {
        public var partIndex: Int?
        public var startIndex: Int?
        public var endIndex: Int?
        public var text: String?

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
    public var renderedContent: String?
    public var sdkBlob: String?

    public init(renderedContent: String? = nil, sdkBlob: String? = nil) {
        self.renderedContent = renderedContent
        self.sdkBlob = sdkBlob
    }
}
