"""§ 72a SGB VIII: the register of extended certificates (erweitertes Führungszeugnis)."""
