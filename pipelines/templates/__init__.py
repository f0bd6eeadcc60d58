"""The product's own reporting templates (XLSX with drop-down lists, and CSV), one module per template."""
