"""Privacy documents: the Art. 15 disclosure and the deletion protocol."""
