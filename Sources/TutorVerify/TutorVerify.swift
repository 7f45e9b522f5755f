// Docs-author mode: verify many tutorials, clean up, classify failures, write reports.
