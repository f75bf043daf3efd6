"""§ 8a SGB VIII procedures and their Leitung review."""
