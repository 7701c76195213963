"""guestlist report: the access review (model, build, render)."""
