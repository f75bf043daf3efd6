"""Pure domain: dataclasses, enums, rules and state machines. No Qt, no SQL, no I/O."""
