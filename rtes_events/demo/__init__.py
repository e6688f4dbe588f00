"""Demo data: the network's real events, clubs and partners, and a few example sessions."""


def dated(start, end) -> dict:
    """The start and end of an example session in the import schema, from Paris datetimes."""
    return {
        "start": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end": end.date().isoformat(),
        "end_time": end.strftime("%H:%M"),
    }
