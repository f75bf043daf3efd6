"""Group offers of the Stadtteilbüro (shown inside the Berichte screen)."""
