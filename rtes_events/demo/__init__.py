"""Demo data: the network's real events, clubs and partners, and a few example sessions."""
