"""§ 72a register screen and dialogs."""
