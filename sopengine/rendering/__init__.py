"""Rendering: the one bounded template environment, a template's context, a stored action as the
daemon renders it, and splitting long text for channels' limits."""
