import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small element tree read with XMLParser, names without namespace prefixes. Any DTD or entity declaration
/// is refused before parsing, so no external entity is ever fetched and no entity bomb expands.
final class XMLElement {
    let name: String
    let attributes: [String: String]
    var children: [XMLElement] = []
    var text = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }
    func all(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }

    /// The element at a path of child names.
    func path(_ names: String...) -> XMLElement? {
        names.reduce(Optional(self)) { $0?.child($1) }
    }

    var trimmedText: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    static let maximumSize = 16 << 20

    static func parse(_ data: [UInt8]) throws(SeedFormatError) -> XMLElement {
        guard data.count <= maximumSize else { throw .badPSKC("larger than \(maximumSize >> 20) MiB") }
        guard let text = String(validating: data, as: UTF8.self) else { throw .badPSKC("not UTF-8") }
        if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") { throw .forbiddenXML("the file declares a DTD or entities") }
        let builder = TreeBuilder()
        let parser = XMLParser(data: Data(data))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let parsed = parser.parse()
        if let refusal = builder.refusal { throw refusal }
        guard parsed, let root = builder.root else {
            throw .badPSKC("not well-formed XML (line \(parser.lineNumber))")
        }
        return root
    }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    var root: XMLElement?
    var stack: [XMLElement] = []
    var refusal: SeedFormatError?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let element = XMLElement(name: elementName, attributes: attributes)
        if let parent = stack.last { parent.children.append(element) } else { root = element }
        stack.append(element)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) { refuse(parser) }
    func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) { refuse(parser) }
    func parser(_ parser: XMLParser, foundElementDeclarationWithName elementName: String, model: String) { refuse(parser) }
    func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
        refuse(parser)
        return nil
    }

    private func refuse(_ parser: XMLParser) {
        refusal = .forbiddenXML("the file declares a DTD or entities")
        parser.abortParsing()
    }
}
