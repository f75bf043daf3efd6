"""§ 8a SGB VIII child protection: procedure, rules, deadlines, review, dossier, acute routing."""
