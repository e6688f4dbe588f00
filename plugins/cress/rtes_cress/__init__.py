"""The CRESS plugin of rtes-events: the regional chambers of the social and solidarity economy."""
