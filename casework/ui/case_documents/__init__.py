"""Dokumente: family tab and in-app viewer."""
