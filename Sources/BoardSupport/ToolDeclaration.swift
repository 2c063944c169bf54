// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

/// A tool as the model should see it: name, description and parameters. The daemon turns this into the
/// Live API's function declaration (``ParameterSchema/jsonSchema`` is plain JSON Schema).
public struct ToolDeclaration: Sendable, Equatable {
    /// The function's name.
    public var name: String
    /// What it does, for the model.
    public var description: String
    /// Its parameters (an object schema).
    public var parameters: ParameterSchema
}
