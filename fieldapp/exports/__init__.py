"""Per-form exports (issue 18): CSV in a ZIP or XLSX, in any language, never formulas."""
