"""PDF documents drawn with Qt (QTextDocument printed to a QPdfWriter), A4."""
