"""Presentation: offline HTML maps and reports (front-end libraries inlined; nothing fetched at view time)."""
