"""Services the UI and CLI call. No Qt; never hands out ORM objects."""
