/// Columns aligned for a terminal, with optional highlighting that does not
/// count towards a column's width.
struct TextTable {
    enum Alignment { case left, right }

    /// How a cell is highlighted on a colour terminal.
    enum Style {
        case plain, good, warning, critical, dim

        var escape: String {
            switch self {
            case .plain: ""
            case .good: "\u{1B}[32m"
            case .warning: "\u{1B}[33m"
            case .critical: "\u{1B}[1;31m"
            case .dim: "\u{1B}[2m"
            }
        }
    }

    struct Cell: ExpressibleByStringLiteral {
        var text: String
        var style: Style = .plain

        init(_ text: String, _ style: Style = .plain) {
            self.text = text
            self.style = style
        }

        init(stringLiteral text: String) { self.text = text }
    }

    let headers: [String]
    let alignments: [Alignment]
    var rows: [[Cell]] = []

    /// `columns`: header names; a leading `>` right-aligns the column (numbers).
    init(_ columns: [String]) {
        headers = columns.map { $0.hasPrefix(">") ? String($0.dropFirst()) : $0 }
        alignments = columns.map { $0.hasPrefix(">") ? .right : .left }
    }

    mutating func append(_ row: [Cell]) {
        precondition(row.count == headers.count, "a row of \(row.count) cells in a table of \(headers.count) columns")
        rows.append(row)
    }

    func render(color: Bool) -> String {
        let widths = headers.indices.map { column in
            rows.reduce(headers[column].count) { max($0, $1[column].text.count) }
        }
        func line(_ cells: [Cell]) -> String {
            var text = ""
            for (column, cell) in cells.enumerated() {
                let last = column == cells.count - 1
                let padding = String(repeating: " ", count: widths[column] - cell.text.count)
                let body = color && cell.style != .plain ? cell.style.escape + cell.text + "\u{1B}[0m" : cell.text
                switch alignments[column] {
                case .left: text += body + (last ? "" : padding)
                case .right: text += padding + body
                }
                if !last { text += "  " }
            }
            // An empty last cell must not leave the padding of the one before it.
            while text.last == " " { text.removeLast() }
            return text
        }
        let header = line(headers.map { Cell($0, .dim) })
        return ([header] + rows.map(line)).joined(separator: "\n")
    }
}
