"""Family-file tabs: modules exposing `TITLE`, `ORDER` and `create(ctx, household_id)`."""
