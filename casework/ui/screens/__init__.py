"""Navigation screens: modules `<key>.py` exposing `create(ctx: UiContext) -> QWidget`."""
