"""Helpers below every app: they import no app of the project, so any app may use them (the layout's floor)."""
