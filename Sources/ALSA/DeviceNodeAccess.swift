// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Whether this process may use the sound card device nodes. alsa-lib cannot tell "no such card" from
/// "not allowed to open it": a user outside the `audio` group gets ENODEV/ENOENT for `hw:CARD=...` names
/// (the card's control device cannot be opened, so its name does not resolve). The nodes themselves say
/// which it is.
public enum SoundDeviceAccess {
    /// The first card node in `directory` (`controlC*`, `pcmC*`) this process may not read and write, or nil
    /// when every one is usable or there are none.
    public static func firstInaccessibleNode(in directory: String = "/dev/snd") -> String? {
        guard let handle = opendir(directory) else { return nil }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix("controlC") || name.hasPrefix("pcmC") { names.append(name) }
        }
        for name in names.sorted() {
            let path = directory + "/" + name
            if access(path, R_OK | W_OK) != 0 && (errno == EACCES || errno == EPERM) { return path }
        }
        return nil
    }

    /// The advice for a user who may not open `node`.
    public static func permissionAdvice(node: String) -> String {
        "this user may not open the sound devices (permission denied on \(node)), so alsa-lib cannot see the "
            + "card: add the user running livevoiced to the 'audio' group (`sudo usermod -aG audio $USER`, then "
            + "log in again; the systemd unit uses SupplementaryGroups=audio)"
    }
}

/// The sound cards the kernel has, from `/proc/asound/cards` (no alsa-lib call, so it works for a user who
/// may not open them).
public enum SoundCards {
    /// One card: its index, short id (what `hw:CARD=<id>` takes) and long name.
    public struct Card: Sendable, Equatable {
        public var index: Int
        public var id: String
        public var name: String

        public init(index: Int, id: String, name: String) {
            self.index = index
            self.id = id
            self.name = name
        }
    }

    /// The cards, or nil when there is no `/proc/asound` (no sound support in the kernel).
    public static func list(path: String = "/proc/asound/cards") -> [Card]? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var cards: [Card] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        // Lines such as " 0 [Loopback       ]: Loopback - Loopback", each followed by a detail line.
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            guard let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]"), open < close,
                  let index = Int(text[..<open].trimmingCharacters(" ")) else { continue }
            let id = String(text[text.index(after: open)..<close]).trimmingCharacters(" ")
            let rest = text[text.index(after: close)...].drop(while: { $0 == ":" || $0 == " " })
            let name = rest.split(separator: " - ", maxSplits: 1).last.map { String($0) } ?? String(rest)
            cards.append(Card(index: index, id: id, name: name.trimmingCharacters(" \n")))
        }
        return cards
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(_ set: String) -> String {
        let characters = Set(set)
        let start = firstIndex(where: { !characters.contains($0) }) ?? endIndex
        let end = lastIndex(where: { !characters.contains($0) }).map { index(after: $0) } ?? start
        return String(self[start..<Swift.max(start, end)])
    }
}
