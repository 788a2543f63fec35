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
        let builder = TreeBuilder()
        let parser = XMLParser(data: Data(data))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let parsed = parser.parse()
        if let refusal = builder.refusal { throw refusal }
        guard parsed, !builder.nodes.isEmpty else { throw .badPSKC("not well-formed XML (line \(parser.lineNumber))") }
        // XMLParser reports success for a document cut short: demand the root closed and the end of the input seen.
        guard builder.rootClosed, builder.open.isEmpty, builder.reachedEnd else {
            throw .badPSKC("the file ends before the document does (cut short?)")
        }
        return XMLTree(nodes: builder.nodes)
    }
}

/// Collects XMLParser's events into a flat `XMLTree`, refusing declarations, excessive depth and anything after
/// the root element.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    var nodes: [XMLTree.Node] = []
    /// Indices of the elements opened and not yet closed, outermost first.
    var open: [Int] = []
    var rootClosed = false
    var reachedEnd = false
    var refusal: SeedFormatError?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        guard refusal == nil else { return }
        guard !rootClosed else { return refuse(parser, .badPSKC("a second root element follows the first")) }
        guard open.count < XMLTree.maximumDepth else {
            return refuse(parser, .badPSKC("elements nested deeper than \(XMLTree.maximumDepth) levels"))
        }
        nodes.append(XMLTree.Node(name: elementName, attributes: attributes))
        if let parent = open.last { nodes[parent].children.append(nodes.count - 1) }
        open.append(nodes.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        // After a refusal XMLParser may still report closings for elements that were never recorded.
        guard refusal == nil, !open.isEmpty else { return }
        open.removeLast()
        if open.isEmpty { rootClosed = true }
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
