"""Data-protection rules: retention periods and when a file may be deleted."""
