"""Operator commands for staff accounts."""

staff_cli = []
