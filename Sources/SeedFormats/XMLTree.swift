import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A whole XML document read with XMLParser, element names without namespace prefixes.
///
/// The elements live in one flat array and point to their children by index, so neither building nor freeing the
/// tree recurses: a hostile file cannot exhaust the stack, however it nests (and it may not nest deeper than
/// `maximumDepth` anyway). Any DTD or entity declaration is refused, so no external entity is ever fetched and no
/// entity bomb expands. Only a complete document is returned: a file cut short, a second root element or text
/// after the root is refused, because a cut PSKC file must import nothing rather than the keys before the cut.
struct XMLTree {
    /// The largest document read. libxml2 (under XMLParser) refuses some documents above about 10 MB as too large,
    /// so the documented limit stays below that; it also matches the server's largest import body.
    static let maximumSize = 8 << 20
    /// The deepest element nesting accepted. PSKC needs about 10 levels (KeyContainer, KeyPackage, Key, Data,
    /// Secret, EncryptedValue, CipherData, CipherValue); anything far deeper is an attack, not a key file.
    static let maximumDepth = 32
    /// The most elements accepted: a file of 8 MiB of keys holds about 200,000, while 8 MiB of empty elements
    /// (`<a/>`) would be two million tree nodes for a server to hold in memory.
    static let maximumElements = 500_000

    struct Node {
        let name: String
        let attributes: [String: String]
        var children: [Int] = []
        var text = ""
    }

    /// Every element in document order; the root is the first.
    fileprivate(set) var nodes: [Node]

    var root: Element { Element(tree: self, index: 0) }

    /// One element of a tree, a cheap view (the tree's storage is shared, not copied).
    struct Element {
        let tree: XMLTree
        let index: Int

        private var node: Node { tree.nodes[index] }
        var name: String { node.name }
        var attributes: [String: String] { node.attributes }
        var text: String { node.text }
        var trimmedText: String { node.text.trimmingCharacters(in: .whitespacesAndNewlines) }
        var children: [Element] { node.children.map { Element(tree: tree, index: $0) } }

        func child(_ name: String) -> Element? {
            node.children.first { tree.nodes[$0].name == name }.map { Element(tree: tree, index: $0) }
        }

        func all(_ name: String) -> [Element] { children.filter { $0.name == name } }

        /// The element at a path of child names.
        func path(_ names: String...) -> Element? {
            names.reduce(Optional(self)) { $0?.child($1) }
        }
    }

    static func parse(_ data: [UInt8]) throws(SeedFormatError) -> XMLTree {
        guard data.count <= maximumSize else { throw .tooLarge(limit: maximumSize) }
        guard let text = String(validating: data, as: UTF8.self) else { throw .badPSKC("not UTF-8") }
        if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") { throw .forbiddenXML("the file declares a DTD or entities") }
        // FoundationXML crashes inside its own callback on a processing instruction without data (`<?pi?>`, found by
        // fuzzing), before any delegate method could refuse it. PSKC has no use for processing instructions: none
        // but the XML declaration reaches the parser.
        guard !holdsProcessingInstruction(data) else {
            throw .badPSKC("the file holds a processing instruction (only the XML declaration is allowed)")
        }
        let builder = TreeBuilder()
        let parser = XMLParser(data: Data(data))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let parsed = parser.parse()
        if let refusal = builder.refusal { throw refusal }
        guard parsed, !builder.nodes.isEmpty else { throw .badPSKC("not well-formed XML (line \(parser.lineNumber))") }
        // XMLParser reports success for a document cut short: demand the root closed and the end of the input seen.
        guard builder.rootClosed, builder.open.isEmpty, builder.reachedEnd, let rootEnd = builder.rootEnd else {
            throw .badPSKC("the file ends before the document does (cut short?)")
        }
        // XMLParser also stops quietly at the root's end tag: what follows (a second root, garbage) is checked here.
        guard isBlankEpilog(data[offset(ofLine: rootEnd.line, column: rootEnd.column, in: data)...]) else {
            throw .badPSKC("something other than comments follows the root element")
        }
        return XMLTree(nodes: builder.nodes)
    }

    /// The byte offset of a 1-based line and column, counted as libxml2 (under XMLParser) counts them: a line ends
    /// at each LF only (a CR is a column like any character), and a column is a character, not a byte.
    private static func offset(ofLine line: Int, column: Int, in data: [UInt8]) -> Int {
        var index = 0
        var linesToSkip = line - 1
        while linesToSkip > 0, index < data.count {
            if data[index] == UInt8(ascii: "\n") { linesToSkip -= 1 }
            index += 1
        }
        var charactersToSkip = column - 1
        while charactersToSkip > 0, index < data.count {
            index += 1
            while index < data.count, data[index] & 0xC0 == 0x80 { index += 1 }  // UTF-8 continuation bytes
            charactersToSkip -= 1
        }
        return min(index, data.count)
    }

    /// Whether `data` holds `<?` anywhere but in the XML declaration that may open it (after a byte-order mark).
    private static func holdsProcessingInstruction(_ data: [UInt8]) -> Bool {
        var rest = data[...]
        if rest.starts(with: [0xEF, 0xBB, 0xBF]) { rest = rest.dropFirst(3) }
        if rest.starts(with: Array("<?xml".utf8)), let next = rest.dropFirst(5).first, [0x20, 0x09, 0x0A, 0x0D].contains(next) {
            guard let end = rest.firstRange(of: Array("?>".utf8)) else { return true }
            rest = rest[end.upperBound...]
        }
        return rest.firstRange(of: Array("<?".utf8)) != nil
    }

    /// Whether `tail` holds only whitespace and comments (what XML allows after the root, processing instructions
    /// having been refused before parsing).
    private static func isBlankEpilog(_ tail: ArraySlice<UInt8>) -> Bool {
        var rest = tail
        while true {
            rest = rest.drop { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
            guard !rest.isEmpty else { return true }
            guard rest.starts(with: Array("<!--".utf8)), let end = rest.dropFirst(4).firstRange(of: Array("-->".utf8)) else {
                return false
            }
            rest = rest[end.upperBound...]
        }
    }
}

/// Collects XMLParser's events into a flat `XMLTree`, refusing declarations, excessive depth or size and a second
/// root element.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    var nodes: [XMLTree.Node] = []
    /// Indices of the elements opened and not yet closed, outermost first.
    var open: [Int] = []
    var rootClosed = false
    /// Where the parser stood just after the root's end tag (1-based line and column).
    var rootEnd: (line: Int, column: Int)?
    var reachedEnd = false
    var refusal: SeedFormatError?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        guard refusal == nil else { return }
        guard !rootClosed else { return refuse(parser, .badPSKC("a second root element follows the first")) }
        guard open.count < XMLTree.maximumDepth else {
            return refuse(parser, .badPSKC("elements nested deeper than \(XMLTree.maximumDepth) levels"))
        }
        guard nodes.count < XMLTree.maximumElements else {
            return refuse(parser, .badPSKC("more than \(XMLTree.maximumElements) elements"))
        }
        nodes.append(XMLTree.Node(name: elementName, attributes: attributes))
        if let parent = open.last { nodes[parent].children.append(nodes.count - 1) }
        open.append(nodes.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        // After a refusal XMLParser may still report closings for elements that were never recorded.
        guard refusal == nil, !open.isEmpty else { return }
        open.removeLast()
        if open.isEmpty {
            rootClosed = true
            rootEnd = (parser.lineNumber, parser.columnNumber)
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { append(string, parser) }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        append(String(decoding: CDATABlock, as: UTF8.self), parser)
    }

    func parserDidEndDocument(_ parser: XMLParser) { reachedEnd = true }

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) { refuseDeclaration(parser) }
    func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
        refuseDeclaration(parser)
    }
    func parser(_ parser: XMLParser, foundElementDeclarationWithName elementName: String, model: String) { refuseDeclaration(parser) }
    func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
        refuseDeclaration(parser)
        return nil
    }

    /// Text belongs to the open element; outside the root only whitespace may stand.
    private func append(_ text: String, _ parser: XMLParser) {
        guard refusal == nil else { return }
        if let current = open.last {
            nodes[current].text += text
        } else if !text.allSatisfy(\.isWhitespace) {
            refuse(parser, .badPSKC("text outside the root element"))
        }
    }

    private func refuseDeclaration(_ parser: XMLParser) {
        refuse(parser, .forbiddenXML("the file declares a DTD or entities"))
    }

    private func refuse(_ parser: XMLParser, _ error: SeedFormatError) {
        if refusal == nil { refusal = error }
        parser.abortParsing()
    }
}
