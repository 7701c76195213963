"""Notices before access ends (`guestlist notify`, issue 13 item 3): who to tell, about what, on which day."""
