"""Menu actions of the "Akte" menu: modules exposing `LABEL`, `ORDER`, `ROLES` and
`trigger(ctx, parent_widget)`."""
