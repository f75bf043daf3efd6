"""The team (issue 15: persons who sign): re-authentication for reserved acts. The wing
key is `persons`; `casework.ui.persons` is still the household members tab."""
